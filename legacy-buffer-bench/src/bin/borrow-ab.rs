//! Time per borrow of several approaches, interleaved:
//!
//! ```text
//! borrow-ab OBJECT SIZE ROUNDS APPROACH...
//! ```
//!
//! Each round times a short burst of borrows by every approach in turn, so
//! that a change of clock speed or a neighbour's load on a shared machine
//! falls on all of them alike; the figure for an approach is its median
//! over the rounds (ns per borrow), and each line also gives its ratio to
//! the first approach's median, and the median of the per-round ratios
//! (the steadiest figure where the machine's speed drifts). Criterion times
//! one approach after another, where such drift shows as a difference.

use legacy_buffer_bench::{applies, borrow_fn, make, APPROACHES, OBJECTS};
use std::time::Instant;

/// Borrows per burst: long enough that reading the clock is lost in it,
/// short enough that a burst seldom straddles a neighbour's spike.
const BURST: u32 = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: borrow-ab OBJECT SIZE ROUNDS APPROACH...\napproaches: {}\nobjects: {}",
            APPROACHES.join(", "),
            OBJECTS.join(", ")
        );
        std::process::exit(2)
    };
    let [kind, size, rounds, approaches @ ..] = args.as_slice() else {
        usage()
    };
    let (Ok(size), Ok(rounds)) = (size.parse::<usize>(), rounds.parse::<usize>()) else {
        usage()
    };
    if approaches.is_empty()
        || rounds == 0
        || !OBJECTS.contains(&kind.as_str())
        || approaches.iter().any(|a| !APPROACHES.contains(&a.as_str()))
    {
        usage()
    }
    if let Some(a) = approaches.iter().find(|a| !applies(a, kind)) {
        eprintln!("{a} does not apply to {kind}");
        std::process::exit(2);
    }
    legacy_buffer::with_gil(|py| {
        let obj = make(py, kind, size).expect("building the object");
        let borrows: Vec<_> = approaches.iter().map(|a| borrow_fn(a)).collect();
        // One warm-up round, not counted.
        for borrow in &borrows {
            burst(*borrow, &obj);
        }
        let mut times = vec![Vec::with_capacity(rounds); borrows.len()];
        for _ in 0..rounds {
            for (i, borrow) in borrows.iter().enumerate() {
                times[i].push(burst(*borrow, &obj));
            }
        }
        let first = median(&times[0]);
        for (i, approach) in approaches.iter().enumerate() {
            let ratios: Vec<f64> = times[i].iter().zip(&times[0]).map(|(t, b)| t / b).collect();
            println!(
                "{kind} {approach} {:.2} ns, {:.3}x, round ratio {:.3}x",
                median(&times[i]),
                median(&times[i]) / first,
                median(&ratios),
            );
        }
    });
}

/// ns per borrow over one burst.
#[inline(never)]
fn burst(borrow: fn(&legacy_buffer::Object<'_>), obj: &legacy_buffer::Object<'_>) -> f64 {
    let start = Instant::now();
    for _ in 0..BURST {
        borrow(obj);
    }
    start.elapsed().as_nanos() as f64 / f64::from(BURST)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
