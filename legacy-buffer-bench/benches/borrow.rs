//! Time per borrow, by approach, object and size. A borrow's cost must not
//! grow with the size, so sizes span 1 B to 1 GiB.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use legacy_buffer_bench::{applies, borrow_fn, make, APPROACHES, OBJECTS};

const SIZES: &[(usize, &str)] = &[(1, "1B"), (4096, "4KiB"), (1 << 30, "1GiB")];

fn borrow(c: &mut Criterion) {
    legacy_buffer::with_gil(|py| {
        for &(size, label) in SIZES {
            for kind in OBJECTS {
                let obj = make(py, kind, size).expect("building the object");
                let mut group = c.benchmark_group(format!("borrow/{kind}"));
                if size >= 1 << 20 {
                    // Copying a GiB takes long: fewer samples.
                    group.sample_size(10);
                }
                for approach in APPROACHES {
                    if applies(approach, kind) {
                        let borrow = borrow_fn(approach);
                        group.bench_function(BenchmarkId::new(*approach, label), |b| {
                            b.iter(|| borrow(&obj))
                        });
                    }
                }
                group.finish();
            }
        }
    });
}

criterion_group!(benches, borrow);
criterion_main!(benches);
