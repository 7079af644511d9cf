//! Runs one kind of borrow N times, for instruction counting under
//! `valgrind --tool=callgrind`: the per-borrow cost is the difference between
//! two runs with different N divided by the difference in N, which cancels
//! interpreter start-up. `ci/bench` drives it; see BENCHMARKS.md.
//!
//! Usage: borrow_cost CASE N, CASE one of the names in `CASES`.

use legacy_buffer::{ffi, with_gil, Object};
use std::hint::black_box;

const CASES: &[&str] = &[
    "raw-read-str",
    "safe-read-str",
    "raw-getbuffer-bytearray",
    "safe-read-bytearray",
    "raw-read-array",
    "safe-read-array",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(case), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: borrow_cost CASE N\ncases: {}", CASES.join(", "));
        std::process::exit(2);
    };
    with_gil(|py| {
        let expr = match case.split('-').next_back() {
            Some("str") => "'x' * 4096",
            Some("bytearray") => "bytearray(4096)",
            Some("array") => "__import__('array').array('B', [0]) * 4096",
            _ => {
                eprintln!("unknown case {case}; cases: {}", CASES.join(", "));
                std::process::exit(2);
            }
        };
        let obj: Object<'_> = py.eval(expr).expect("building the object");
        let p = obj.as_ptr();
        match case.as_str() {
            "raw-read-str" | "raw-read-array" => {
                for _ in 0..n {
                    let mut buf = std::ptr::null();
                    let mut len = 0;
                    // SAFETY: GIL held, valid object and out-pointers.
                    let rc =
                        unsafe { ffi::PyObject_AsReadBuffer(black_box(p), &mut buf, &mut len) };
                    black_box((rc, buf, len));
                }
            }
            "raw-getbuffer-bytearray" => {
                for _ in 0..n {
                    // SAFETY: GIL held, valid object; the view is released at once.
                    unsafe {
                        let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::uninit();
                        let rc = ffi::PyObject_GetBuffer(
                            black_box(p),
                            view.as_mut_ptr(),
                            ffi::PyBUF_SIMPLE as i32,
                        );
                        assert_eq!(rc, 0);
                        black_box(view.assume_init_ref().buf);
                        ffi::PyBuffer_Release(view.as_mut_ptr());
                    }
                }
            }
            "safe-read-str" => {
                for _ in 0..n {
                    let buf = black_box(&obj).read_buffer().unwrap();
                    black_box(buf.as_bytes());
                }
            }
            "safe-read-bytearray" => {
                for _ in 0..n {
                    let buf = black_box(&obj).read_buffer().unwrap();
                    black_box(buf.as_cells());
                }
            }
            "safe-read-array" => {
                for _ in 0..n {
                    let buf = black_box(&obj).read_buffer().unwrap();
                    black_box(buf.len());
                }
            }
            _ => {
                eprintln!("unknown case {case}; cases: {}", CASES.join(", "));
                std::process::exit(2);
            }
        }
    });
}
