//! Extension types: a Rust struct as the value of a Python type's objects,
//! declared once with [`py_class!`](crate::py_class), with no `unsafe` in
//! the port.
//!
//! Inside: `spec` (the [`PyClass`] trait and the [`TypeObject`] made from
//! a spec), `instance` (the object seen from Rust: [`Instance`], the borrow
//! flag, [`Ref`]/[`RefMut`]), `exported` (the memory a type exports
//! through both buffer protocols, resized only while unexported) and
//! `entry` (the C entry points of methods and slots, and their bodies'
//! traits).

mod entry;
mod exported;
mod instance;
mod macros;
mod spec;

pub use entry::{
    BinaryFn, BoolFn, Class, ClassFn, CompareFn, ContainsFn, HashFn, InitFn, LenFn, New, NewFn,
    NewInFn, NextFn, SelfArgsFn, SelfFn, SelfIndexFn, SelfObjectFn, SetItemFn, SetSubscriptFn,
    SetterFn,
};
pub use instance::{Instance, Ref, RefMut};
pub use spec::{
    CompareOp, Features, Property, PropertyTable, PyClass, Slot, SlotTable, Stop, TypeObject, Visit,
};
