//! Borrows one object N times by one approach, for instruction counting:
//!
//! ```text
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*borrow_loop*' \
//!     borrow-count APPROACH OBJECT SIZE N
//! ```
//!
//! counts only the loop (not interpreter start-up nor building the object),
//! so the cost of one borrow is the total divided by N; `ci/bench` does that.

use legacy_buffer_bench::{applies, borrow_fn, instrumented, make, APPROACHES, OBJECTS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: borrow-count APPROACH OBJECT SIZE N\napproaches: {}\nobjects: {}",
            APPROACHES.join(", "),
            OBJECTS.join(", ")
        );
        std::process::exit(2)
    };
    let [approach, kind, size, n] = args.as_slice() else {
        usage()
    };
    let (Ok(size), Ok(n)) = (size.parse::<usize>(), n.parse::<u64>()) else {
        usage()
    };
    if !APPROACHES.contains(&approach.as_str()) || !OBJECTS.contains(&kind.as_str()) {
        usage()
    }
    if !applies(approach, kind) {
        eprintln!("{approach} does not apply to {kind}");
        std::process::exit(2);
    }
    legacy_buffer::with_gil(|py| {
        let obj = make(py, kind, size).expect("building the object");
        instrumented(|| borrow_loop(approach, &obj, n));
    });
}

/// The loop callgrind counts (by this name, hence never inlined).
#[inline(never)]
fn borrow_loop(approach: &str, obj: &legacy_buffer::Object<'_>, n: u64) {
    let borrow = borrow_fn(approach);
    for _ in 0..n {
        borrow(obj);
    }
}
