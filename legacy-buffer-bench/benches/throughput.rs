//! Summing every byte of a borrowed 256 MiB buffer: Rust over a safe borrow
//! (`&[u8]` for `str`, cells for a pinned `bytearray`) and over the
//! no-Python scope (`&[u8]` for both), against the same loop in C over
//! PyObject_AsReadBuffer.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use legacy_buffer_bench::{make, sum_c, sum_rust, sum_scope};

const SIZE: usize = 256 << 20;

fn throughput(c: &mut Criterion) {
    legacy_buffer::with_gil(|py| {
        for kind in ["str", "bytearray"] {
            let obj = make(py, kind, SIZE).expect("building the object");
            // Both loops must agree before either is timed.
            assert_eq!(sum_rust(&obj), sum_c(&obj));
            assert_eq!(sum_scope(&obj), sum_c(&obj));
            let mut group = c.benchmark_group(format!("sum-256MiB/{kind}"));
            group
                .throughput(Throughput::Bytes(SIZE as u64))
                .sample_size(10);
            group.bench_function("rust", |b| b.iter(|| sum_rust(&obj)));
            group.bench_function("rust-scope", |b| b.iter(|| sum_scope(&obj)));
            group.bench_function("c", |b| b.iter(|| sum_c(&obj)));
            group.finish();
        }
    });
}

criterion_group!(benches, throughput);
criterion_main!(benches);
