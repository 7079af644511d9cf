//! legacy-buffer's argument parser against `PyArg_ParseTuple`, per call:
//!
//! ```text
//! parse-ab ROUNDS                 time, interleaved (as borrow-ab)
//! parse-ab --count LABEL SIDE N   N parses by one side (c or rust), for
//!                                 callgrind --instr-atstart=no
//! ```
//!
//! The cases are `PARSE_CASES` (legacy-buffer-bench's lib): formats with
//! one and two `s#`/`s*` buffers and an integer.

use legacy_buffer::extension::Args;
use legacy_buffer_bench::{instrumented, ParseCase, PARSE_CASES};
use std::time::Instant;

const BURST: u32 = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        let labels: Vec<&str> = PARSE_CASES.iter().map(|c| c.label).collect();
        eprintln!(
            "usage: parse-ab ROUNDS | parse-ab --count LABEL c|rust N\nlabels: {}",
            labels.join(", ")
        );
        std::process::exit(2)
    };
    match args.as_slice() {
        [rounds] => {
            let Ok(rounds) = rounds.parse::<usize>() else {
                usage()
            };
            if rounds == 0 {
                usage()
            }
            time(rounds);
        }
        [flag, label, side, n] if flag == "--count" => {
            let Some(case) = PARSE_CASES.iter().find(|c| c.label == label) else {
                usage()
            };
            let Ok(n) = n.parse::<u64>() else { usage() };
            legacy_buffer::with_gil(|py| {
                let tuple = py.eval(case.args).expect("the arguments");
                let args = Args::from_tuple(&tuple).expect("a tuple");
                match side.as_str() {
                    "c" => instrumented(|| count_loop(|| (case.c)(&tuple), n)),
                    "rust" => instrumented(|| count_loop(|| (case.rust)(args), n)),
                    _ => usage(),
                }
            });
        }
        _ => usage(),
    }
}

/// The loop callgrind counts.
#[inline(never)]
fn count_loop(parse: impl Fn(), n: u64) {
    for _ in 0..n {
        parse();
    }
}

fn time(rounds: usize) {
    legacy_buffer::with_gil(|py| {
        for case in PARSE_CASES {
            let ParseCase {
                label,
                args,
                c,
                rust,
            } = *case;
            let tuple = py.eval(args).expect("the arguments");
            let parsed = Args::from_tuple(&tuple).expect("a tuple");
            let (c, rust) = (|| c(&tuple), || rust(parsed));
            burst(&c);
            burst(&rust);
            let (mut cs, mut rs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                let (tc, tr) = (burst(&c), burst(&rust));
                cs.push(tc);
                rs.push(tr);
                ratios.push(tr / tc);
            }
            println!(
                "{label}\tC {:.2} ns\tRust {:.2} ns\tround ratio {:.3}x",
                median(&cs),
                median(&rs),
                median(&ratios)
            );
        }
    });
}

/// ns per parse over one burst.
#[inline(never)]
fn burst(parse: &dyn Fn()) -> f64 {
    let start = Instant::now();
    for _ in 0..BURST {
        parse();
    }
    start.elapsed().as_nanos() as f64 / f64::from(BURST)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
