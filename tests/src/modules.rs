//! The C extension modules this crate's build script compiles (`c/*.c`),
//! imported into the embedded interpreter.

use crate::oracle::assert_clear;
use legacy_buffer::{Object, Python};

/// Where the build script put the modules.
pub const MODULES_DIR: &str = env!("LEGACY_BUFFER_TEST_MODULES");

/// `import hostile` into `__main__`, with the build script's directory on
/// `sys.path`.
pub fn import_hostile(py: Python<'_>) {
    py.run(&format!(
        "import sys\nif {MODULES_DIR:?} not in sys.path:\n    sys.path.insert(0, {MODULES_DIR:?})\n\
         import hostile\n"
    ))
    .unwrap_or_else(|e| panic!("importing hostile from {MODULES_DIR} failed: {e}"));
    assert_clear(py, "importing hostile");
}

/// `eval(expr)` in `__main__`, which must succeed and leave no exception set.
pub fn eval<'py>(py: Python<'py>, expr: &str) -> Object<'py> {
    let obj = py
        .eval(expr)
        .unwrap_or_else(|e| panic!("evaluating `{expr}` failed: {e}"));
    assert_clear(py, expr);
    obj
}

/// `repr(eval(expr))`.
pub fn eval_repr(py: Python<'_>, expr: &str) -> String {
    eval(py, expr)
        .repr()
        .unwrap_or_else(|e| panic!("repr of `{expr}` failed: {e}"))
}
