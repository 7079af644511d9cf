//! Writing the functions of a Python 2.7 extension module in Rust: the
//! porting toolkit.
//!
//! Built on the crate's core (the GIL, objects, errors, buffers, the
//! no-Python scope), which imports nothing from here. Inside: `call` (the
//! [`trampoline`] a function's body runs in, and its [`Args`]), `args`
//! (`PyArg_ParseTuple`'s formats), `results` (`Py_BuildValue`'s
//! conversions), `new_str` (a `str` built in place) and `module`
//! ([`py_module!`](crate::py_module): method tables, exception classes,
//! `init<name>`).

mod args;
mod call;
mod class;
mod module;
mod new_str;
mod results;

#[doc(hidden)]
pub use args::__format_error;
pub use args::{
    Converted, Converter, FormatText, FromArg, FromArgs, KeywordParser, Parser, RunTimeFormat,
};
pub use call::{trampoline, Args};
pub use class::{
    BinaryFn, BoolFn, Class, ClassFn, CompareFn, CompareOp, ContainsFn, Features, HashFn, InitFn,
    Instance, LenFn, New, NewFn, NewInFn, NextFn, Property, PropertyTable, PyClass, Ref, RefMut,
    SelfArgsFn, SelfFn, SelfIndexFn, SelfObjectFn, SetItemFn, SetSubscriptFn, SetterFn, Slot,
    SlotTable, Stop, TypeObject, Visit,
};
#[doc(hidden)]
pub use module::__unraw;
pub use module::{
    Constant, FunctionName, Method, MethodTable, ModuleDef, ModuleException, NoargsFn, ObjectFn,
    VarargsFn,
};
pub use new_str::{NewStr, StrBuf};
pub use results::{IntoPyObject, IntoPyResult, Long, Str};

/// The name C code knows for what `s*`, `z*` and `w*` give (a `Py_buffer`):
/// a [`Buffer`](crate::Buffer), which holds a new-protocol export where
/// the argument has one and releases it when dropped.
pub type View<'a> = crate::buffer::Buffer<'a>;
