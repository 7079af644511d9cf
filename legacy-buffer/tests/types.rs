//! Extension types made by `py_class!`, against the real interpreter: the
//! methods of each form and every slot the macro takes, as Python calls
//! them; errors and panics in each (whatever the slot's C return type);
//! subclasses made by Python, weak references, the instance `__dict__` and
//! the collector; then the soundness of it all: Python code re-entering an
//! object while its value is borrowed (callbacks, `__del__`, the collector,
//! another thread) gets `RuntimeError`, never an alias; leaked guards leave
//! the object unusable but freeable; and exported memory never moves while
//! a view of it or a pin lives.

use legacy_buffer::extension::{Args, CompareOp, Instance, New, RefMut, Stop, Visit};
use legacy_buffer::{
    ffi, no_python, py_class, py_format, py_module, with_gil, Borrowed, BufferKind, Bytes,
    BytesMut, Error, ExceptionType, Object, ObjectRef, Python, Result,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The tests share `__main__`, the drop counters and the collector: one at
/// a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Import the module (as `tt` in `__main__`).
fn import(py: Python<'_>) {
    types_test::init();
    py.run("import types_test as tt").unwrap();
}

fn repr(py: Python<'_>, expr: &str) -> String {
    py.eval(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .repr()
        .unwrap()
}

fn run(py: Python<'_>, statements: &str) {
    py.run(statements)
        .unwrap_or_else(|e| panic!("{e}\nin:\n{statements}"));
}

fn no_exception_set(_py: Python<'_>) -> bool {
    // SAFETY: GIL held (`_py`); reads the error indicator.
    unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// `expr` (or statements, with `statement`) fails with `type_name:
/// message`, leaving nothing set.
#[track_caller]
fn fails(py: Python<'_>, code: &str, type_name: &str, message: &str) {
    let e = if is_statement(code) {
        py.run(code).unwrap_err()
    } else {
        py.eval(code).map(drop).unwrap_err()
    };
    assert_eq!((e.type_name(), e.message()), (type_name, message), "{code}");
    assert!(no_exception_set(py), "{code}: an exception left set");
}

fn is_statement(code: &str) -> bool {
    code.contains('\n')
        || code.contains(" = ")
        || code.starts_with("del ")
        || code.starts_with("class ")
}

fn value_error(message: impl Into<String>) -> Error {
    Error::new(ExceptionType::ValueError, message)
}

fn int_of(o: &Object<'_>) -> Result<i64> {
    o.to_long_long()
}

/// What the running line gives: `py2` on Python 2, `py3` on Python 3.
fn by_line<T>(py2: T, py3: T) -> T {
    if ffi::PY3 {
        py3
    } else {
        py2
    }
}

/// What `PyLong_AsLongLong` says of an object of type `type_name`, which is
/// no integer: Python 3 names the type, in other words from 3.10.
fn not_an_integer(type_name: &str) -> String {
    if py3_at_least(10) {
        format!("'{type_name}' object cannot be interpreted as an integer")
    } else if ffi::PY3 {
        format!("an integer is required (got type {type_name})")
    } else {
        "an integer is required".to_owned()
    }
}

/// The message of the `TypeError` of a class statement whose bases Python
/// refuses, `message`: Python 2 says where it failed first.
fn bases_error(message: &str) -> String {
    by_line(
        format!("Error when calling the metaclass bases\n    {message}"),
        message.to_owned(),
    )
}

/// The repr of a bytes literal on the running line: `'x'` (a `str`) on
/// Python 2, `b'x'` on Python 3.
fn bytes_lit(literal: &str) -> String {
    by_line("", "b").to_owned() + literal
}

/// A Python expression for the bytes the exporter named `name` holds, read
/// through the old protocol's buffer object on Python 2, as bytes on 3.
fn contents(name: &str) -> String {
    by_line(format!("str(buffer({name}))"), format!("bytes({name})"))
}

/// Whether the running line is Python 3.`minor` or later.
fn py3_at_least(minor: u32) -> bool {
    ffi::PY3 && ffi::PY_VERSION_HEX >= 0x0300_0000 + (minor << 16)
}

/// Setting an attribute an object has no room for: Python 3.13 adds why.
fn no_attribute(message: &str) -> String {
    if py3_at_least(13) {
        format!("{message} and no __dict__ for setting new attributes")
    } else {
        message.to_owned()
    }
}

// ---- Thing: every method form and most slots -------------------------------

/// Things dropped so far (their values' `Drop`).
static THINGS_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A list of ints, and one object held for the re-entry tests.
pub struct Thing {
    items: Vec<i64>,
    held: Option<ObjectRef>,
}

impl Drop for Thing {
    fn drop(&mut self) {
        THINGS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// The `Thing` `o` is, if it is one.
fn as_thing<'a, 'py>(o: &'a Object<'py>) -> Option<Instance<'a, 'py, Thing>> {
    Instance::downcast(o)
}

impl Thing {
    fn new(_py: Python<'_>, args: Args<'_, '_>) -> Result<Thing> {
        let mut items = Vec::new();
        for i in 0..args.len() {
            items.push(int_of(&args.get(i).unwrap())?);
        }
        Ok(Thing { items, held: None })
    }

    // -- `this` methods: they borrow what they need, when they need it.
    fn this_len(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<usize> {
        Ok(this.borrow()?.items.len())
    }
    fn this_at(_py: Python<'_>, this: Instance<'_, '_, Thing>, i: Borrowed<'_, '_>) -> Result<i64> {
        let i = i.to_ssize()?;
        let value = this.borrow()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| value.items.get(i).copied())
            .ok_or_else(|| Error::new(ExceptionType::IndexError, "no such item"))
    }
    fn this_push_all(
        _py: Python<'_>,
        this: Instance<'_, '_, Thing>,
        args: Args<'_, '_>,
    ) -> Result<usize> {
        for i in 0..args.len() {
            let n = int_of(&args.get(i).unwrap())?;
            this.borrow_mut()?.items.push(n);
        }
        Ok(this.borrow()?.items.len())
    }
    fn this_echo(
        _py: Python<'_>,
        this: Instance<'_, '_, Thing>,
        args: Args<'_, '_>,
    ) -> Result<(usize, usize, Vec<u8>)> {
        let kwargs = match args.kwargs() {
            Some(k) => k.repr()?.into_bytes(),
            None => b"None".to_vec(),
        };
        Ok((this.borrow()?.items.len(), args.len(), kwargs))
    }
    /// Borrows nothing: works whatever the borrow flag says.
    fn this_itself<'a, 'py>(
        _py: Python<'py>,
        this: Instance<'a, 'py, Thing>,
    ) -> Result<Borrowed<'a, 'py>> {
        Ok(this.as_object())
    }

    // -- `&self` methods.
    fn total(&self, _py: Python<'_>) -> Result<i64> {
        Ok(self.items.iter().sum())
    }
    fn count(&self, _py: Python<'_>, of: Borrowed<'_, '_>) -> Result<usize> {
        let of = int_of(&of)?;
        Ok(self.items.iter().filter(|&&i| i == of).count())
    }
    fn total_plus(&self, _py: Python<'_>, args: Args<'_, '_>) -> Result<i64> {
        let mut total: i64 = self.items.iter().sum();
        for i in 0..args.len() {
            total += int_of(&args.get(i).unwrap())?;
        }
        Ok(total)
    }
    fn scaled(&self, _py: Python<'_>, args: Args<'_, '_>) -> Result<Vec<u8>> {
        let mut by = 1;
        if let Some(a) = args.get(0) {
            by = int_of(&a)?;
        }
        if let Some(kwargs) = args.kwargs() {
            for (k, v) in kwargs.dict_items()? {
                match k.native_str_bytes() {
                    Some(b"by") => by = int_of(&v)?,
                    _ => return Err(Error::new(ExceptionType::TypeError, "unexpected keyword")),
                }
            }
        }
        let scaled: Vec<i64> = self.items.iter().map(|i| i * by).collect();
        Ok(format!("{scaled:?}").into_bytes())
    }

    // -- `&mut self` methods.
    fn clear_items(&mut self, _py: Python<'_>) -> Result<()> {
        self.items.clear();
        Ok(())
    }
    fn push(&mut self, _py: Python<'_>, n: Borrowed<'_, '_>) -> Result<usize> {
        self.items.push(int_of(&n)?);
        Ok(self.items.len())
    }
    fn extend(&mut self, _py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
        for i in 0..args.len() {
            self.items.push(int_of(&args.get(i).unwrap())?);
        }
        Ok(self.items.len())
    }
    fn reset(&mut self, _py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
        self.items.clear();
        self.extend(_py, args)?;
        if let Some(kwargs) = args.kwargs() {
            for (_, v) in kwargs.dict_items()? {
                self.items.push(int_of(&v)?);
            }
        }
        Ok(self.items.len())
    }

    // -- static methods.
    fn s_answer(_py: Python<'_>) -> Result<i64> {
        Ok(42)
    }
    fn s_repr(_py: Python<'_>, o: Borrowed<'_, '_>) -> Result<Vec<u8>> {
        Ok(o.repr()?.into_bytes())
    }
    fn s_count(_py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
        Ok(args.len())
    }
    fn s_keywords(_py: Python<'_>, args: Args<'_, '_>) -> Result<(usize, usize)> {
        let kwargs = match args.kwargs() {
            Some(k) => k.size()?,
            None => 0,
        };
        Ok((args.len(), kwargs))
    }

    // -- re-entry.
    /// Calls `f()` holding the value mutably, pushing 1 before and 2 after.
    fn call_mut<'py>(&mut self, _py: Python<'py>, f: Borrowed<'_, 'py>) -> Result<Object<'py>> {
        self.items.push(1);
        let result = f.call(&[])?;
        self.items.push(2);
        Ok(result)
    }
    /// Calls `f()` holding the value shared.
    fn call_shared<'py>(&self, _py: Python<'py>, f: Borrowed<'_, 'py>) -> Result<Object<'py>> {
        let before = self.items.len();
        let result = f.call(&[])?;
        // A shared borrow held across Python code: nothing changed it.
        assert_eq!(self.items.len(), before);
        Ok(result)
    }
    /// Calls `f()` holding no borrow: Python may use the object meanwhile.
    fn call_this<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        f: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        this.borrow_mut()?.items.push(1);
        let result = f.call(&[])?;
        this.borrow_mut()?.items.push(2);
        Ok(result)
    }
    /// Holds `o` (or nothing, for `None`), dropping what it held before
    /// while the value is borrowed mutably.
    fn hold(&mut self, _py: Python<'_>, o: Borrowed<'_, '_>) -> Result<()> {
        self.held = if o.is_none() {
            None
        } else {
            Some(ObjectRef::new(&o))
        };
        Ok(())
    }
    fn held<'py>(&self, py: Python<'py>) -> Result<Object<'py>> {
        Ok(match &self.held {
            Some(o) => o.get(py),
            None => Object::none(py),
        })
    }
    fn forget_shared(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<()> {
        std::mem::forget(this.borrow()?);
        Ok(())
    }
    fn forget_mut(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<()> {
        std::mem::forget(this.borrow_mut()?);
        Ok(())
    }
    fn leak_mut(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<()> {
        let guard: &mut RefMut<'_, Thing> = Box::leak(Box::new(this.borrow_mut()?));
        guard.items.push(99);
        Ok(())
    }

    // -- failures of methods.
    fn fail(py: Python<'_>, _this: Instance<'_, '_, Thing>, how: Borrowed<'_, '_>) -> Result<()> {
        match how.native_str_bytes() {
            Some(b"error") => Err(value_error("thing failed")),
            Some(b"panic") => panic!("thing panicked"),
            Some(b"stray") => {
                value_error("stray").restore(py);
                Ok(())
            }
            _ => Ok(()),
        }
    }
    fn panic_mut(&mut self, _py: Python<'_>) -> Result<()> {
        self.items.push(-1);
        panic!("panicked holding &mut");
    }

    // -- slots.
    fn repr(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<Vec<u8>> {
        let name = this.getattr("__class__")?.getattr("__name__")?;
        let name = String::from_utf8_lossy(name.native_str_bytes().unwrap_or(b"?")).into_owned();
        Ok(format!("{name}({:?})", this.borrow()?.items).into_bytes())
    }
    fn str(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<Vec<u8>> {
        Ok(format!("thing of {}", this.borrow()?.items.len()).into_bytes())
    }
    fn iter<'py>(py: Python<'py>, this: Instance<'_, 'py, Thing>) -> Result<Object<'py>> {
        Instance::create(
            py,
            ThingIter {
                container: Some(ObjectRef::new(&this)),
                pos: 0,
            },
            Vec::new(),
        )
    }
    fn hash(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<isize> {
        Ok(this.borrow()?.items.iter().sum::<i64>() as isize)
    }
    fn richcmp<'py>(
        py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
        op: CompareOp,
    ) -> Result<Object<'py>> {
        let Some(other) = as_thing(&other) else {
            return Ok(Object::not_implemented(py));
        };
        let ordering = this.borrow()?.items.cmp(&other.borrow()?.items);
        Ok(Object::bool(py, op.matches(ordering)))
    }
    fn len(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<usize> {
        Ok(this.borrow()?.items.len())
    }
    fn nonzero(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<bool> {
        Ok(this.borrow()?.items.iter().any(|&i| i != 0))
    }
    fn contains(
        _py: Python<'_>,
        this: Instance<'_, '_, Thing>,
        item: Borrowed<'_, '_>,
    ) -> Result<bool> {
        if !(item.is_int() || item.is_long()) {
            return Ok(false);
        }
        let item = int_of(&item)?;
        Ok(this.borrow()?.items.contains(&item))
    }
    /// `[start:stop]` of `len` items (step 1 only), as Python clips.
    fn range_of(key: &Object<'_>, len: usize) -> Result<Option<std::ops::Range<usize>>> {
        let Some([start, stop, step]) = key.slice_parts() else {
            return Ok(None);
        };
        if !step.is_none() && int_of(&step)? != 1 {
            return Err(value_error("step must be 1"));
        }
        let clip = |o: &Object<'_>, default: usize| -> Result<usize> {
            if o.is_none() {
                return Ok(default);
            }
            let i = o.to_ssize_clipped()?;
            Ok(if i < 0 {
                (len as isize + i).max(0) as usize
            } else {
                (i as usize).min(len)
            })
        };
        let (start, stop) = (clip(&start, 0)?, clip(&stop, len)?);
        Ok(Some(start..stop.max(start)))
    }
    fn index_of(key: &Object<'_>, len: usize) -> Result<usize> {
        if !(key.is_int() || key.is_long()) {
            return Err(Error::new(ExceptionType::KeyError, key.repr()?));
        }
        let i = key.to_ssize()?;
        let i = if i < 0 { i + len as isize } else { i };
        if i < 0 || i as usize >= len {
            return Err(Error::new(
                ExceptionType::IndexError,
                "Thing index out of range",
            ));
        }
        Ok(i as usize)
    }
    fn getitem<'py>(
        py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        key: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        let items = this.borrow()?.items.clone();
        if let Some(range) = Thing::range_of(&key, items.len())? {
            return this.create_like(
                Thing {
                    items: items[range].to_vec(),
                    held: None,
                },
                Vec::new(),
            );
        }
        let i = Thing::index_of(&key, items.len())?;
        Object::int(py, items[i] as _)
    }
    fn setitem(
        _py: Python<'_>,
        this: Instance<'_, '_, Thing>,
        key: Borrowed<'_, '_>,
        value: Option<Borrowed<'_, '_>>,
    ) -> Result<()> {
        let len = this.borrow()?.items.len();
        if let Some(range) = Thing::range_of(&key, len)? {
            let mut new = Vec::new();
            if let Some(value) = value {
                for item in value.iter()? {
                    new.push(int_of(&item?)?);
                }
            }
            this.borrow_mut()?.items.splice(range, new);
            return Ok(());
        }
        let i = Thing::index_of(&key, len)?;
        match value {
            Some(value) => {
                let n = int_of(&value)?;
                this.borrow_mut()?.items[i] = n;
            }
            None => {
                this.borrow_mut()?.items.remove(i);
            }
        }
        Ok(())
    }
    fn call(
        _py: Python<'_>,
        this: Instance<'_, '_, Thing>,
        args: Args<'_, '_>,
    ) -> Result<(i64, usize)> {
        let kwargs = match args.kwargs() {
            Some(k) => k.size()?,
            None => 0,
        };
        Ok((
            this.borrow()?.items.iter().sum::<i64>() + args.len() as i64,
            kwargs,
        ))
    }
    fn invert<'py>(_py: Python<'py>, this: Instance<'_, 'py, Thing>) -> Result<Object<'py>> {
        let items = this.borrow()?.items.iter().map(|i| !i).collect();
        this.create_like(Thing { items, held: None }, Vec::new())
    }
    fn index(_py: Python<'_>, this: Instance<'_, '_, Thing>) -> Result<usize> {
        Ok(this.borrow()?.items.len())
    }
    fn concat<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        let Some(other) = as_thing(&other) else {
            return Err(Error::new(ExceptionType::TypeError, "can only add a Thing"));
        };
        let mut items = this.borrow()?.items.clone();
        items.extend_from_slice(&other.borrow()?.items);
        this.create_like(Thing { items, held: None }, Vec::new())
    }
    fn inplace_concat<'a, 'py>(
        _py: Python<'py>,
        this: Instance<'a, 'py, Thing>,
        other: Borrowed<'a, 'py>,
    ) -> Result<Borrowed<'a, 'py>> {
        // Items first (the iteration runs Python code, which might come
        // back here), then the borrow.
        let mut new = Vec::new();
        for item in other.iter()? {
            new.push(int_of(&item?)?);
        }
        this.borrow_mut()?.items.extend(new);
        Ok(this.as_object())
    }
    fn repeat<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        n: isize,
    ) -> Result<Object<'py>> {
        let items = this.borrow()?.items.repeat(n.max(0) as usize);
        this.create_like(Thing { items, held: None }, Vec::new())
    }
    fn inplace_repeat<'a, 'py>(
        _py: Python<'py>,
        this: Instance<'a, 'py, Thing>,
        n: isize,
    ) -> Result<Borrowed<'a, 'py>> {
        let mut value = this.borrow_mut()?;
        value.items = value.items.repeat(n.max(0) as usize);
        Ok(this.as_object())
    }
    /// A binary operator: a Thing and an int, in either order, item by
    /// item (`f(item, n)` or `f(n, item)`).
    fn binary<'py>(
        py: Python<'py>,
        a: Borrowed<'_, 'py>,
        b: Borrowed<'_, 'py>,
        f: fn(i64, i64) -> i64,
    ) -> Result<Object<'py>> {
        let (items, like) = match (as_thing(&a), as_thing(&b)) {
            (Some(t), None) if b.is_int() => {
                let n = int_of(&b)?;
                (t.borrow()?.items.iter().map(|&i| f(i, n)).collect(), t)
            }
            (None, Some(t)) if a.is_int() => {
                let n = int_of(&a)?;
                (t.borrow()?.items.iter().map(|&i| f(n, i)).collect(), t)
            }
            _ => return Ok(Object::not_implemented(py)),
        };
        like.create_like(Thing { items, held: None }, Vec::new())
    }
    fn and<'py>(
        py: Python<'py>,
        a: Borrowed<'_, 'py>,
        b: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::binary(py, a, b, |x, y| x & y)
    }
    fn or<'py>(py: Python<'py>, a: Borrowed<'_, 'py>, b: Borrowed<'_, 'py>) -> Result<Object<'py>> {
        Thing::binary(py, a, b, |x, y| x | y)
    }
    fn xor<'py>(
        py: Python<'py>,
        a: Borrowed<'_, 'py>,
        b: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::binary(py, a, b, |x, y| x ^ y)
    }
    fn lshift<'py>(
        py: Python<'py>,
        a: Borrowed<'_, 'py>,
        b: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::binary(py, a, b, |x, y| x << y)
    }
    fn rshift<'py>(
        py: Python<'py>,
        a: Borrowed<'_, 'py>,
        b: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::binary(py, a, b, |x, y| x >> y)
    }
    fn inplace<'a, 'py>(
        this: Instance<'a, 'py, Thing>,
        other: Borrowed<'a, 'py>,
        f: fn(i64, i64) -> i64,
    ) -> Result<Object<'py>> {
        if !other.is_int() {
            return Ok(Object::not_implemented(this.py()));
        }
        let n = int_of(&other)?;
        for i in this.borrow_mut()?.items.iter_mut() {
            *i = f(*i, n);
        }
        Ok(this.as_object().clone_ref())
    }
    fn iand<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::inplace(this, other, |x, y| x & y)
    }
    fn ior<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::inplace(this, other, |x, y| x | y)
    }
    fn ixor<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::inplace(this, other, |x, y| x ^ y)
    }
    fn ilshift<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::inplace(this, other, |x, y| x << y)
    }
    fn irshift<'py>(
        _py: Python<'py>,
        this: Instance<'_, 'py, Thing>,
        other: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        Thing::inplace(this, other, |x, y| x >> y)
    }
}

py_class! {
    class Thing as "types_test.Thing" {
        doc: "Thing(*ints): a list of ints",
        features: [subclassable, weakrefs],
        new: Thing::new,
        methods: {
            this_len(this) => Thing::this_len, "this_len() -> int";
            this_at(this, arg) => Thing::this_at, "this_at(i) -> int";
            this_push_all(this, args) => Thing::this_push_all, "this_push_all(*ints) -> len";
            this_echo(this, args, kwargs) => Thing::this_echo, "this_echo(*a, **k)";
            this_itself(this) => Thing::this_itself;
            total(&self) => Thing::total, "total() -> int";
            count(&self, arg) => Thing::count;
            total_plus(&self, args) => Thing::total_plus;
            scaled(&self, args, kwargs) => Thing::scaled, "scaled(by=1) -> str";
            clear_items(&mut self) => Thing::clear_items;
            push(&mut self, arg) => Thing::push, "push(n) -> len";
            extend(&mut self, args) => Thing::extend;
            reset(&mut self, args, kwargs) => Thing::reset;
            answer(static) => Thing::s_answer, "answer() -> 42";
            s_repr(static arg) => Thing::s_repr;
            s_count(static args) => Thing::s_count;
            s_keywords(static args, kwargs) => Thing::s_keywords;
            call_mut(&mut self, arg) => Thing::call_mut;
            call_shared(&self, arg) => Thing::call_shared;
            call_this(this, arg) => Thing::call_this;
            hold(&mut self, arg) => Thing::hold;
            held(&self) => Thing::held;
            forget_shared(this) => Thing::forget_shared;
            forget_mut(this) => Thing::forget_mut;
            leak_mut(this) => Thing::leak_mut;
            fail(this, arg) => Thing::fail;
            panic_mut(&mut self) => Thing::panic_mut;
        }
        slots: {
            __repr__ => Thing::repr;
            __str__ => Thing::str;
            __iter__ => Thing::iter;
            __hash__ => Thing::hash;
            __richcmp__ => Thing::richcmp;
            __len__ => Thing::len;
            __nonzero__ => Thing::nonzero;
            __contains__ => Thing::contains;
            __getitem__ => Thing::getitem;
            __setitem__ => Thing::setitem;
            __call__ => Thing::call;
            __invert__ => Thing::invert;
            __index__ => Thing::index;
            __add__ => Thing::concat;
            __iadd__ => Thing::inplace_concat;
            __mul__ => Thing::repeat;
            __imul__ => Thing::inplace_repeat;
            __and__ => Thing::and;
            __or__ => Thing::or;
            __xor__ => Thing::xor;
            __lshift__ => Thing::lshift;
            __rshift__ => Thing::rshift;
            __iand__ => Thing::iand;
            __ior__ => Thing::ior;
            __ixor__ => Thing::ixor;
            __ilshift__ => Thing::ilshift;
            __irshift__ => Thing::irshift;
        }
    }
}

/// An iterator over a Thing, holding it: made by `iter(thing)` only.
pub struct ThingIter {
    container: Option<ObjectRef>,
    pos: usize,
}

impl ThingIter {
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        if let Some(c) = &self.container {
            visit.visit(c)?;
        }
        Ok(())
    }
    fn clear(&mut self) {
        self.container = None;
    }
    fn iter<'a, 'py>(
        _py: Python<'py>,
        this: Instance<'a, 'py, ThingIter>,
    ) -> Result<Borrowed<'a, 'py>> {
        Ok(this.as_object())
    }
    fn next(py: Python<'_>, this: Instance<'_, '_, ThingIter>) -> Result<Option<i64>> {
        let Some(container) = this.borrow()?.container.as_ref().map(|c| c.get(py)) else {
            return Ok(None);
        };
        let thing = as_thing(&container).expect("a Thing");
        let pos = this.borrow()?.pos;
        let item = thing.borrow()?.items.get(pos).copied();
        let mut it = this.borrow_mut()?;
        match item {
            Some(_) => it.pos += 1,
            None => it.container = None,
        }
        Ok(item)
    }
}

py_class! {
    class ThingIter as "types_test.ThingIter" {
        gc: { traverse: ThingIter::traverse, clear: ThingIter::clear },
        slots: {
            __iter__ => ThingIter::iter;
            next => ThingIter::next;
        }
    }
}

// ---- Seq: the sequence slots -----------------------------------------------

pub struct Seq {
    items: Vec<i64>,
}

impl Seq {
    fn new(_py: Python<'_>, args: Args<'_, '_>) -> Result<Seq> {
        let mut items = Vec::new();
        for i in 0..args.len() {
            items.push(int_of(&args.get(i).unwrap())?);
        }
        Ok(Seq { items })
    }
    fn len(_py: Python<'_>, this: Instance<'_, '_, Seq>) -> Result<usize> {
        Ok(this.borrow()?.items.len())
    }
    fn item(_py: Python<'_>, this: Instance<'_, '_, Seq>, i: isize) -> Result<i64> {
        let value = this.borrow()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| value.items.get(i).copied())
            .ok_or_else(|| Error::new(ExceptionType::IndexError, format!("Seq index {i}")))
    }
    fn set_item(
        _py: Python<'_>,
        this: Instance<'_, '_, Seq>,
        i: isize,
        value: Option<Borrowed<'_, '_>>,
    ) -> Result<()> {
        let len = this.borrow()?.items.len();
        let Some(i) = usize::try_from(i).ok().filter(|&i| i < len) else {
            return Err(Error::new(
                ExceptionType::IndexError,
                format!("Seq index {i}"),
            ));
        };
        match value {
            Some(v) => {
                let n = int_of(&v)?;
                this.borrow_mut()?.items[i] = n;
            }
            None => {
                this.borrow_mut()?.items.remove(i);
            }
        }
        Ok(())
    }
}

py_class! {
    class Seq as "types_test.Seq" {
        new: Seq::new,
        slots: {
            __len__ => Seq::len;
            sq_item => Seq::item;
            sq_ass_item => Seq::set_item;
        }
    }
}

// ---- Failing: every slot fails on demand -------------------------------------

/// Its `mode`: 0 works, 1 returns an error, 2 panics, 3 returns a result
/// with an exception left set.
pub struct Failing {
    mode: u8,
}

fn check(py: Python<'_>, o: &Object<'_>, slot: &str) -> Result<()> {
    let Some(this) = Instance::<Failing>::downcast(o) else {
        return Ok(());
    };
    match this.borrow()?.mode {
        1 => Err(value_error(format!("{slot} failed"))),
        2 => panic!("{slot} panicked"),
        3 => {
            value_error(format!("{slot} left this set")).restore(py);
            Ok(())
        }
        _ => Ok(()),
    }
}

macro_rules! failing_slots {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $value:expr;)*) => {
        impl Failing {$(
            fn $name<'a, 'py>(py: Python<'py>, this: Instance<'a, 'py, Failing> $(, $arg: $ty)*) -> Result<$ret> {
                $(let _ = &$arg;)*
                check(py, &this, stringify!($name))?;
                #[allow(clippy::redundant_closure_call)]
                Ok(($value)(py, this))
            }
        )*}
    };
}

failing_slots! {
    repr() -> Vec<u8> = |_, _| b"Failing()".to_vec();
    str() -> Vec<u8> = |_, _| b"failing".to_vec();
    iter() -> Borrowed<'a, 'py> = |_, this: Instance<'a, 'py, Failing>| this.as_object();
    next() -> Option<i64> = |_, _| Some(1);
    hash() -> isize = |_, _| 7;
    len() -> usize = |_, this: Instance<'a, 'py, Failing>| {
        // Mode 4: a length past Py_ssize_t's range.
        if this.borrow().is_ok_and(|v| v.mode == 4) { usize::MAX } else { 3 }
    };
    nonzero() -> bool = |_, _| true;
    contains(item: Borrowed<'a, 'py>) -> bool = |_, _| true;
    getitem(key: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    setitem(key: Borrowed<'a, 'py>, value: Option<Borrowed<'a, 'py>>) -> () = |_, _| ();
    call(args: Args<'a, 'py>) -> i64 = |_, _| 1;
    invert() -> i64 = |_, _| 1;
    index() -> i64 = |_, _| 1;
    concat(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    inplace_concat(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    repeat(n: isize) -> i64 = |_, _| 1;
    inplace_repeat(n: isize) -> i64 = |_, _| 1;
    iand(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    ior(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    ixor(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    ilshift(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
    irshift(other: Borrowed<'a, 'py>) -> i64 = |_, _| 1;
}

impl Failing {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Failing> {
        Ok(Failing { mode: 0 })
    }
    fn set_mode(&mut self, _py: Python<'_>, mode: Borrowed<'_, '_>) -> Result<()> {
        self.mode = int_of(&mode)? as u8;
        Ok(())
    }
    fn richcmp(
        py: Python<'_>,
        this: Instance<'_, '_, Failing>,
        _other: Borrowed<'_, '_>,
        _op: CompareOp,
    ) -> Result<bool> {
        check(py, &this, "richcmp")?;
        Ok(true)
    }
    fn binary<'py>(py: Python<'py>, a: Borrowed<'_, 'py>, b: Borrowed<'_, 'py>) -> Result<i64> {
        check(py, &a, "binary")?;
        check(py, &b, "binary")?;
        Ok(1)
    }
    fn noargs(&self, py: Python<'_>) -> Result<()> {
        check_mode(py, self.mode, "noargs")
    }
    fn arg(&self, py: Python<'_>, _a: Borrowed<'_, '_>) -> Result<()> {
        check_mode(py, self.mode, "arg")
    }
    fn args(&mut self, py: Python<'_>, _a: Args<'_, '_>) -> Result<()> {
        check_mode(py, self.mode, "args")
    }
    fn kwargs(py: Python<'_>, this: Instance<'_, '_, Failing>, _a: Args<'_, '_>) -> Result<()> {
        check(py, &this, "kwargs")
    }
}

fn check_mode(py: Python<'_>, mode: u8, what: &str) -> Result<()> {
    match mode {
        1 => Err(value_error(format!("{what} failed"))),
        2 => panic!("{what} panicked"),
        3 => {
            value_error(format!("{what} left this set")).restore(py);
            Ok(())
        }
        _ => Ok(()),
    }
}

py_class! {
    class Failing as "types_test.Failing" {
        new: Failing::new,
        methods: {
            set_mode(&mut self, arg) => Failing::set_mode;
            noargs(&self) => Failing::noargs;
            arg(&self, arg) => Failing::arg;
            args(&mut self, args) => Failing::args;
            kwargs(this, args, kwargs) => Failing::kwargs;
        }
        slots: {
            __repr__ => Failing::repr;
            __str__ => Failing::str;
            __iter__ => Failing::iter;
            next => Failing::next;
            __hash__ => Failing::hash;
            __richcmp__ => Failing::richcmp;
            __len__ => Failing::len;
            __nonzero__ => Failing::nonzero;
            __contains__ => Failing::contains;
            __getitem__ => Failing::getitem;
            __setitem__ => Failing::setitem;
            __call__ => Failing::call;
            __invert__ => Failing::invert;
            __index__ => Failing::index;
            __add__ => Failing::concat;
            __iadd__ => Failing::inplace_concat;
            __mul__ => Failing::repeat;
            __imul__ => Failing::inplace_repeat;
            __and__ => Failing::binary;
            __or__ => Failing::binary;
            __xor__ => Failing::binary;
            __lshift__ => Failing::binary;
            __rshift__ => Failing::binary;
            __iand__ => Failing::iand;
            __ior__ => Failing::ior;
            __ixor__ => Failing::ixor;
            __ilshift__ => Failing::ilshift;
            __irshift__ => Failing::irshift;
        }
    }
}

/// The sequence slots failing (`sq_item`, `sq_ass_item`), apart: with a
/// mapping's `__getitem__` Python would not reach them.
pub struct FailingSeq {
    mode: u8,
}

impl FailingSeq {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<FailingSeq> {
        Ok(FailingSeq { mode: 0 })
    }
    fn set_mode(&mut self, _py: Python<'_>, mode: Borrowed<'_, '_>) -> Result<()> {
        self.mode = int_of(&mode)? as u8;
        Ok(())
    }
    fn item(py: Python<'_>, this: Instance<'_, '_, FailingSeq>, _i: isize) -> Result<i64> {
        check_mode(py, this.borrow()?.mode, "item")?;
        Ok(1)
    }
    fn set_item(
        py: Python<'_>,
        this: Instance<'_, '_, FailingSeq>,
        _i: isize,
        _v: Option<Borrowed<'_, '_>>,
    ) -> Result<()> {
        check_mode(py, this.borrow()?.mode, "set_item")
    }
}

py_class! {
    class FailingSeq as "types_test.FailingSeq" {
        new: FailingSeq::new,
        methods: {
            set_mode(&mut self, arg) => FailingSeq::set_mode;
        }
        slots: {
            sq_item => FailingSeq::item;
            sq_ass_item => FailingSeq::set_item;
        }
    }
}

// ---- Node: the collector -------------------------------------------------------

static NODES_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Holds one object, reported to the collector; has an instance dict.
pub struct Node {
    other: Option<ObjectRef>,
}

impl Drop for Node {
    fn drop(&mut self) {
        NODES_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

impl Node {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Node> {
        Ok(Node { other: None })
    }
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        if let Some(o) = &self.other {
            visit.visit(o)?;
        }
        Ok(())
    }
    fn clear(&mut self) {
        self.other = None;
    }
    fn link(&mut self, _py: Python<'_>, o: Borrowed<'_, '_>) -> Result<()> {
        self.other = Some(ObjectRef::new(&o));
        Ok(())
    }
    /// `f(self)` while the value is borrowed mutably.
    fn with_mut<'py>(
        py: Python<'py>,
        this: Instance<'_, 'py, Node>,
        f: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        let _guard = this.borrow_mut()?;
        let _ = py;
        f.call(&[&this])
    }
    /// `f(self)` while the value is borrowed shared.
    fn with_shared<'py>(
        py: Python<'py>,
        this: Instance<'_, 'py, Node>,
        f: Borrowed<'_, 'py>,
    ) -> Result<Object<'py>> {
        let _guard = this.borrow()?;
        let _ = py;
        f.call(&[&this])
    }
}

py_class! {
    class Node as "types_test.Node" {
        features: [weakrefs, dict, subclassable],
        gc: { traverse: Node::traverse, clear: Node::clear },
        new: Node::new,
        methods: {
            link(&mut self, arg) => Node::link;
            with_mut(this, arg) => Node::with_mut;
            with_shared(this, arg) => Node::with_shared;
        }
    }
}

// ---- Buf, RoBuf: exported memory -----------------------------------------------

pub struct Buf;

fn size_arg(args: &Args<'_, '_>) -> Result<usize> {
    match args.get(0) {
        Some(n) => Ok(n.to_ssize()?.max(0) as usize),
        None => Ok(0),
    }
}

impl Buf {
    fn new(_py: Python<'_>, args: Args<'_, '_>) -> Result<New<Buf>> {
        let size = size_arg(&args)?;
        Ok(New::with_bytes(
            Buf,
            (0..size).map(|i| b'a' + i as u8 % 26).collect(),
        ))
    }
    fn resize(_py: Python<'_>, this: Instance<'_, '_, Buf>, n: Borrowed<'_, '_>) -> Result<usize> {
        this.resize_bytes(n.to_ssize()? as usize)?;
        Ok(this.bytes_len())
    }
    fn exports(_py: Python<'_>, this: Instance<'_, '_, Buf>) -> Result<usize> {
        Ok(this.exports())
    }
    fn fill(_py: Python<'_>, this: Instance<'_, '_, Buf>, byte: Borrowed<'_, '_>) -> Result<()> {
        let byte = int_of(&byte)? as u8;
        this.with_bytes_mut(move |bytes| bytes.fill(byte))
    }
    fn sum(_py: Python<'_>, this: Instance<'_, '_, Buf>) -> Result<u64> {
        this.with_bytes(|bytes| bytes.iter().map(|&b| u64::from(b)).sum())
    }
    /// Lends the memory twice to one scope, once writable: refused.
    fn lend_twice(_py: Python<'_>, this: Instance<'_, '_, Buf>) -> Result<()> {
        let (w, r) = (this.write_buffer()?, this.read_buffer()?);
        assert_eq!(this.exports(), 2);
        no_python((BytesMut(&w), Bytes(&r)), |(w, r)| w[0] = r[0])
    }
    /// Pins the memory, calls `f()` (which may write it, or try to resize
    /// it), and returns what the pinned cells see afterwards.
    fn pinned_across<'py>(
        py: Python<'py>,
        this: Instance<'_, 'py, Buf>,
        f: Borrowed<'_, 'py>,
    ) -> Result<(Vec<u8>, Object<'py>)> {
        let buf = this.read_buffer()?;
        assert_eq!(buf.kind(), BufferKind::Pinned);
        let ptr = buf.as_cells().unwrap().as_ptr();
        let result = f.call(&[])?;
        let cells = buf.as_cells().unwrap();
        assert_eq!(cells.as_ptr(), ptr, "pinned memory moved");
        let _ = py;
        Ok((cells.iter().map(|c| c.get()).collect(), result))
    }
}

py_class! {
    class Buf as "types_test.Buf" {
        doc: "Buf(size): exports size bytes",
        features: [exports, subclassable, weakrefs],
        new: Buf::new,
        methods: {
            resize(this, arg) => Buf::resize;
            exports(this) => Buf::exports;
            fill(this, arg) => Buf::fill;
            sum(this) => Buf::sum;
            lend_twice(this) => Buf::lend_twice;
            pinned_across(this, arg) => Buf::pinned_across;
        }
    }
}

pub struct RoBuf;

impl RoBuf {
    fn new(_py: Python<'_>, args: Args<'_, '_>) -> Result<New<RoBuf>> {
        Ok(New::with_bytes(RoBuf, vec![b'r'; size_arg(&args)?]))
    }
    fn exports(_py: Python<'_>, this: Instance<'_, '_, RoBuf>) -> Result<usize> {
        Ok(this.exports())
    }
    fn fill(_py: Python<'_>, this: Instance<'_, '_, RoBuf>, byte: Borrowed<'_, '_>) -> Result<()> {
        let byte = int_of(&byte)? as u8;
        this.with_bytes_mut(move |bytes| bytes.fill(byte))
    }
    fn sum(_py: Python<'_>, this: Instance<'_, '_, RoBuf>) -> Result<u64> {
        this.with_bytes(|bytes| bytes.iter().map(|&b| u64::from(b)).sum())
    }
}

py_class! {
    class RoBuf as "types_test.RoBuf" {
        features: [readonly_exports],
        new: RoBuf::new,
        methods: {
            exports(this) => RoBuf::exports;
            fill(this, arg) => RoBuf::fill;
            sum(this) => RoBuf::sum;
        }
    }
}

// ---- Plain, Flag, Unhashable ----------------------------------------------------

/// No constructor (Rust makes them), not subclassable.
pub struct Plain {
    n: i64,
}

impl Plain {
    fn get(&self, _py: Python<'_>) -> Result<i64> {
        Ok(self.n)
    }
    /// A Plain from Rust, for Python.
    fn make<'py>(py: Python<'py>, n: Borrowed<'_, 'py>) -> Result<Object<'py>> {
        Instance::create(py, Plain { n: int_of(&n)? }, Vec::new())
    }
    fn exported(_py: Python<'_>, this: Instance<'_, '_, Plain>) -> Result<usize> {
        Ok(this.read_buffer()?.len())
    }
}

py_class! {
    class Plain as "types_test.Plain" {
        methods: {
            get(&self) => Plain::get;
            make(static arg) => Plain::make;
            exported(this) => Plain::exported;
        }
    }
}

/// A one-byte value: the type's size is not a multiple of a pointer's.
pub struct Flag {
    on: bool,
}

impl Flag {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Flag> {
        Ok(Flag { on: true })
    }
    fn toggle(&mut self, _py: Python<'_>) -> Result<bool> {
        self.on = !self.on;
        Ok(self.on)
    }
}

py_class! {
    class Flag as "types_test.Flag" {
        features: [subclassable],
        new: Flag::new,
        methods: {
            toggle(&mut self) => Flag::toggle;
        }
    }
}

pub struct Unhashable;

impl Unhashable {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Unhashable> {
        Ok(Unhashable)
    }
}

py_class! {
    class Unhashable as "types_test.Unhashable" {
        features: [unhashable, subclassable],
        new: Unhashable::new,
    }
}

/// An instance dict and nothing else: no GC support asked for.
pub struct Attrs;

impl Attrs {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Attrs> {
        Ok(Attrs)
    }
    fn kind(_py: Python<'_>, _this: Instance<'_, '_, Attrs>) -> Result<&'static str> {
        Ok("attrs")
    }
    /// A class method: the class it was called on, and its arguments.
    fn describe<'py>(
        _py: Python<'py>,
        cls: Borrowed<'_, 'py>,
        args: Args<'_, 'py>,
    ) -> Result<String> {
        Ok(format!(
            "{} {}",
            cls.getattr("__name__")?.repr()?,
            args.len()
        ))
    }
}

py_class! {
    class Attrs as "types_test.Attrs" {
        features: [dict, weakrefs],
        new: Attrs::new,
        methods: {
            describe(class, args, kwargs) => Attrs::describe, "describe(*args)";
            describe_positional(class, args) => Attrs::describe, "describe_positional(*args)";
        }
        properties: {
            kind(get => Attrs::kind), "what it is";
        }
    }
}

/// `__init__` (`tp_init`) after `new`: re-run by an explicit
/// `obj.__init__(...)`, and able to call back into Python while it holds
/// the value.
pub struct Init {
    seed: u32,
    inits: u32,
}

impl Init {
    fn new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Init> {
        Ok(Init { seed: 0, inits: 0 })
    }
    fn init(_py: Python<'_>, this: Instance<'_, '_, Init>, args: Args<'_, '_>) -> Result<()> {
        let parser = args
            .parser(py_format!("|IO:__init__"))
            .keywords(&["seed", "callback"]);
        let (seed, callback): (Option<u32>, Option<Borrowed>) = parser.parse()?;
        if seed == Some(13) {
            panic!("unlucky seed");
        }
        let mut value = this.borrow_mut()?;
        value.seed = seed.unwrap_or(0);
        value.inits += 1;
        if let Some(callback) = callback {
            // Python code runs while the value is borrowed mutably.
            callback.call(&[])?;
        }
        Ok(())
    }
    fn state(_py: Python<'_>, this: Instance<'_, '_, Init>) -> Result<(u32, u32)> {
        let value = this.borrow()?;
        Ok((value.seed, value.inits))
    }
}

py_class! {
    class Init as "types_test.Init" {
        features: [subclassable, inherited_getattr],
        new: Init::new,
        properties: {
            state(get => Init::state);
        }
        slots: {
            __init__ => Init::init;
        }
    }
}

py_module! {
    module types_test {
        functions: {}
        types: { Thing, ThingIter, Seq, Failing, FailingSeq, Node, Buf, RoBuf, Plain, Flag, Unhashable, Attrs, Init }
    }
}

// ---- the tests: methods and slots ------------------------------------------------

#[test]
fn init_runs_after_new_and_again_when_called() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        assert_eq!(repr(py, "tt.Init().state"), "(0, 1)");
        run(py, "i = tt.Init(5)");
        assert_eq!(repr(py, "i.state"), "(5, 1)");
        // An explicit call runs it again, on the live object.
        run(py, "i.__init__(seed=7)");
        assert_eq!(repr(py, "i.state"), "(7, 2)");
        // Its errors are the parser's, and the call makes nothing.
        fails(
            py,
            "tt.Init(1, None, 3)",
            "TypeError",
            "__init__() takes at most 2 arguments (3 given)",
        );
        // (Each line words it its own way: 2.7 "for this function", 3.9 to
        // 3.12 "for __init__()", 3.13 "got an unexpected keyword argument".)
        let e = py.eval("tt.Init(nope=1)").map(drop).unwrap_err();
        assert_eq!(e.type_name(), "TypeError", "{e}");
        assert!(e.message().contains("'nope'"), "{e}");
        if !ffi::PY3 {
            assert_eq!(
                e.message(),
                "'nope' is an invalid keyword argument for this function"
            );
        }
        assert!(no_exception_set(py));
        let e = py.eval("i.__init__('x')").map(drop).unwrap_err();
        assert_eq!(e.type_name(), "TypeError", "{e}");
        assert_eq!(repr(py, "i.state"), "(7, 2)");
        // A panic is SystemError, and leaves the value usable.
        let e = py.eval("tt.Init(13)").map(drop).unwrap_err();
        assert_eq!(e.type_name(), "SystemError", "{e}");
        assert!(no_exception_set(py));
        // Re-entry while __init__ holds the value: RuntimeError inside the
        // callback, which __init__ passes on.
        run(py, "def again():\n    i.__init__(9)\n");
        let e = py.eval("i.__init__(8, again)").map(drop).unwrap_err();
        assert_eq!(e.type_name(), "RuntimeError", "{e}");
        assert!(no_exception_set(py));
        // The outer call had set its seed before the callback failed.
        assert_eq!(repr(py, "i.state"), "(8, 3)");
        // A Python subclass's __init__ reaches it through super().
        run(
            py,
            "class Sub(tt.Init):\n    def __init__(self, seed):\n        super(Sub, self).__init__(seed * 2)\n",
        );
        assert_eq!(repr(py, "Sub(4).state"), "(8, 1)");
        // tp_getattro inherited, as a C type leaving it 0: no
        // __getattribute__ of its own, attributes found all the same.
        assert_eq!(repr(py, "'__getattribute__' in tt.Init.__dict__"), "False");
        assert_eq!(repr(py, "'__getattribute__' in tt.Flag.__dict__"), "True");
        assert_eq!(repr(py, "tt.Init(3).state"), "(3, 1)");
        // Called on another type's object: CPython's slot wrapper refuses
        // it before the entry point runs (which checks the object's type
        // again, as every entry point does).
        let e = py
            .eval("tt.Init.__init__(tt.Flag())")
            .map(drop)
            .unwrap_err();
        assert_eq!(e.type_name(), "TypeError", "{e}");
    });
}

#[test]
fn methods_of_every_receiver_and_argument_form() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "t = tt.Thing(1, 2, 3)");
        // this
        assert_eq!(repr(py, "t.this_len()"), "3");
        assert_eq!(repr(py, "t.this_at(1)"), "2");
        fails(py, "t.this_at(7)", "IndexError", "no such item");
        assert_eq!(repr(py, "t.this_push_all(4, 5)"), "5");
        // A `Vec<u8>` result is Python 2's str, Python 3's bytes.
        assert_eq!(
            repr(py, "t.this_echo(1, 2, k=3)"),
            by_line("(5, 2, \"{'k': 3}\")", "(5, 2, b\"{'k': 3}\")")
        );
        assert_eq!(
            repr(py, "t.this_echo()"),
            by_line("(5, 0, 'None')", "(5, 0, b'None')")
        );
        assert_eq!(repr(py, "t.this_itself() is t"), "True");
        // &self
        assert_eq!(repr(py, "t.total()"), "15");
        assert_eq!(repr(py, "t.count(2)"), "1");
        assert_eq!(repr(py, "t.total_plus(10, 20)"), "45");
        assert_eq!(
            repr(py, "t.scaled(2)"),
            by_line("'[2, 4, 6, 8, 10]'", "b'[2, 4, 6, 8, 10]'")
        );
        assert_eq!(
            repr(py, "t.scaled(by=-1)"),
            by_line("'[-1, -2, -3, -4, -5]'", "b'[-1, -2, -3, -4, -5]'")
        );
        fails(py, "t.scaled(nope=1)", "TypeError", "unexpected keyword");
        // &mut self
        assert_eq!(repr(py, "t.push(6)"), "6");
        assert_eq!(repr(py, "t.extend(7, 8)"), "8");
        assert_eq!(repr(py, "t.reset(1, x=2)"), "2");
        assert_eq!(repr(py, "t"), "Thing([1, 2])");
        assert_eq!(repr(py, "t.clear_items()"), "None");
        assert_eq!(repr(py, "t"), "Thing([])");
        // static: on the type and on an instance alike
        assert_eq!(repr(py, "tt.Thing.answer()"), "42");
        assert_eq!(repr(py, "t.answer()"), "42");
        assert_eq!(
            repr(py, "tt.Thing.s_repr('x')"),
            by_line("\"'x'\"", "b\"'x'\"")
        );
        assert_eq!(repr(py, "tt.Thing.s_count(1, 2, 3)"), "3");
        assert_eq!(repr(py, "t.s_keywords(1, a=1, b=2)"), "(1, 2)");
        // Python checks the calling conventions the table declares (Python
        // 3 names the method by its qualified name; before 3.11 a call with
        // keywords goes through the bound method, which names it plainly).
        let method = |name: &str| by_line(name.to_owned(), format!("Thing.{name}"));
        fails(
            py,
            "t.total(1)",
            "TypeError",
            &format!("{}() takes no arguments (1 given)", method("total")),
        );
        fails(
            py,
            "t.push()",
            "TypeError",
            &format!("{}() takes exactly one argument (0 given)", method("push")),
        );
        fails(
            py,
            "t.extend(k=1)",
            "TypeError",
            &if py3_at_least(11) {
                "Thing.extend() takes no keyword arguments".to_owned()
            } else {
                "extend() takes no keyword arguments".to_owned()
            },
        );
        fails(
            py,
            "tt.Thing.answer(1)",
            "TypeError",
            &format!("{}() takes no arguments (1 given)", method("answer")),
        );
        // Unbound, on another type's object: refused before the body runs.
        fails(
            py,
            "tt.Thing.total(tt.Seq())",
            "TypeError",
            by_line(
                "descriptor 'total' requires a 'types_test.Thing' object but received a 'types_test.Seq'",
                "descriptor 'total' for 'types_test.Thing' objects doesn't apply to a 'types_test.Seq' object",
            ),
        );
        assert_eq!(repr(py, "tt.Thing.total(tt.Thing(5))"), "5");
        assert!(no_exception_set(py));
    })
}

#[test]
fn docstrings_and_names() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        assert_eq!(
            repr(py, "tt.Thing.__doc__"),
            "'Thing(*ints): a list of ints'"
        );
        assert_eq!(repr(py, "tt.Thing.__name__"), "'Thing'");
        assert_eq!(repr(py, "tt.Thing.__module__"), "'types_test'");
        assert_eq!(
            repr(py, "tt.Thing"),
            by_line("<type 'types_test.Thing'>", "<class 'types_test.Thing'>")
        );
        assert_eq!(repr(py, "tt.Thing.total.__doc__"), "'total() -> int'");
        assert_eq!(repr(py, "tt.Thing.push.__doc__"), "'push(n) -> len'");
        assert_eq!(
            repr(py, "tt.Thing.this_echo.__doc__"),
            "'this_echo(*a, **k)'"
        );
        assert_eq!(repr(py, "tt.Thing.answer.__doc__"), "'answer() -> 42'");
        // No docstring: None, as C gives.
        assert_eq!(repr(py, "tt.Thing.count.__doc__"), "None");
        assert_eq!(repr(py, "tt.Thing.this_itself.__doc__"), "None");
        assert_eq!(repr(py, "tt.Seq.__doc__"), "None");
        assert_eq!(repr(py, "tt.Thing.total.__name__"), "'total'");
        // Slots have their wrappers, as C types' do.
        assert_eq!(repr(py, "tt.Thing.__len__(tt.Thing(1, 2))"), "2");
        assert_eq!(repr(py, "'__getitem__' in tt.Thing.__dict__"), "True");
        // The module holds each type under its short name, once made.
        assert_eq!(repr(py, "tt.Buf is tt.Buf"), "True");
        assert_eq!(repr(py, "sorted(k for k in dir(tt) if not k.startswith('_'))"),
            "['Attrs', 'Buf', 'Failing', 'FailingSeq', 'Flag', 'Init', 'Node', 'Plain', 'RoBuf', 'Seq', 'Thing', 'ThingIter', 'Unhashable']");
    })
}

#[test]
fn repr_str_iteration_len_truth_contains() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "t = tt.Thing(0, 5, 0)");
        assert_eq!(repr(py, "repr(t)"), "'Thing([0, 5, 0])'");
        assert_eq!(repr(py, "str(t)"), "'thing of 3'");
        assert_eq!(repr(py, "'%s' % t"), "'thing of 3'");
        assert_eq!(repr(py, "len(t)"), "3");
        assert_eq!(repr(py, "bool(t)"), "True");
        assert_eq!(repr(py, "bool(tt.Thing(0, 0))"), "False");
        assert_eq!(
            repr(py, "(5 in t, 7 in t, 'x' in t)"),
            "(True, False, False)"
        );
        // The iterator holds its container: alive after the name is gone.
        run(py, "it = iter(tt.Thing(7, 8, 9))");
        assert_eq!(repr(py, "type(it).__name__"), "'ThingIter'");
        assert_eq!(repr(py, "iter(it) is it"), "True");
        assert_eq!(repr(py, "list(it)"), "[7, 8, 9]");
        assert_eq!(repr(py, "list(it)"), "[]");
        fails(py, "next(it)", "StopIteration", "");
        assert_eq!(repr(py, "[x * 2 for x in t]"), "[0, 10, 0]");
        assert_eq!(repr(py, "sorted(tt.Thing(3, 1, 2))"), "[1, 2, 3]");
        // Items added during the iteration are seen, as a list's are.
        run(
            py,
            "seen = []\nfor x in t:\n    seen.append(x)\n    if len(t) < 5: t.push(x + 1)",
        );
        assert_eq!(repr(py, "seen"), "[0, 5, 0, 1, 6]");
        // Iterators are collected with their containers.
        run(
            py,
            "import gc, weakref\nc = tt.Thing(1)\nw = weakref.ref(c)\nit = iter(c)\ndel c",
        );
        assert_eq!(repr(py, "w() is None"), "False");
        run(py, "del it\ngc.collect()");
        assert_eq!(repr(py, "w() is None"), "True");
    })
}

#[test]
fn hash_and_rich_comparison() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        assert_eq!(repr(py, "hash(tt.Thing(1, 2))"), "3");
        // -1 is the error value of tp_hash: a hash of -1 is -2, as Python's.
        assert_eq!(repr(py, "hash(tt.Thing(-1))"), "-2");
        assert_eq!(repr(py, "hash(-1)"), "-2");
        assert_eq!(repr(py, "hash(tt.Thing(-3, 1))"), "-2");
        assert_eq!(repr(py, "hash(tt.Thing(-2))"), "-2");
        assert_eq!(repr(py, "{tt.Thing(1): 'a'}[tt.Thing(1)]"), "'a'");
        assert_eq!(repr(py, "tt.Thing(1, 2) == tt.Thing(1, 2)"), "True");
        assert_eq!(repr(py, "tt.Thing(1, 2) != tt.Thing(1, 2)"), "False");
        assert_eq!(repr(py, "tt.Thing(1) < tt.Thing(2)"), "True");
        assert_eq!(repr(py, "tt.Thing(1) >= tt.Thing(2)"), "False");
        assert_eq!(repr(py, "tt.Thing(3) > tt.Thing(2, 9)"), "True");
        assert_eq!(repr(py, "tt.Thing(2) <= tt.Thing(2)"), "True");
        // NotImplemented: Python falls back (identity for ==).
        assert_eq!(repr(py, "tt.Thing(1) == 1"), "False");
        assert_eq!(repr(py, "1 != tt.Thing(1)"), "True");
        assert_eq!(repr(py, "tt.Thing(1) == tt.Thing(1).this_itself()"), "True");
        assert_eq!(repr(py, "tt.Thing.__hash__ is None"), "False");
        // unhashable: __hash__ is None, hash() raises.
        assert_eq!(repr(py, "tt.Unhashable.__hash__ is None"), "True");
        fails(
            py,
            "hash(tt.Unhashable())",
            "TypeError",
            "unhashable type: 'types_test.Unhashable'",
        );
        fails(
            py,
            "{tt.Unhashable(): 1}",
            "TypeError",
            "unhashable type: 'types_test.Unhashable'",
        );
        // And so are its subclasses, unless they say otherwise.
        run(py, "class U(tt.Unhashable): pass\nclass H(tt.Unhashable):\n    def __hash__(self): return 5");
        fails(py, "hash(U())", "TypeError", "unhashable type: 'U'");
        assert_eq!(repr(py, "hash(H())"), "5");
    })
}

#[test]
fn mapping_subscripts_with_slices_and_deletion() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "t = tt.Thing(10, 11, 12, 13)");
        assert_eq!(repr(py, "t[0], t[-1], t[3]"), "(10, 13, 13)");
        fails(py, "t[4]", "IndexError", "Thing index out of range");
        fails(py, "t[-5]", "IndexError", "Thing index out of range");
        fails(py, "t['k']", "KeyError", "\"'k'\"");
        assert_eq!(repr(py, "t[1:3]"), "Thing([11, 12])");
        assert_eq!(repr(py, "t[:]"), "Thing([10, 11, 12, 13])");
        assert_eq!(repr(py, "t[-2:]"), "Thing([12, 13])");
        assert_eq!(repr(py, "t[3:1]"), "Thing([])");
        assert_eq!(repr(py, "t[-100:100]"), "Thing([10, 11, 12, 13])");
        fails(py, "t[::2]", "ValueError", "step must be 1");
        run(py, "t[0] = 20\nt[-1] = 23");
        assert_eq!(repr(py, "t"), "Thing([20, 11, 12, 23])");
        run(py, "t[1:3] = [1, 2, 3]");
        assert_eq!(repr(py, "t"), "Thing([20, 1, 2, 3, 23])");
        run(py, "del t[0]");
        assert_eq!(repr(py, "t"), "Thing([1, 2, 3, 23])");
        run(py, "del t[1:3]");
        assert_eq!(repr(py, "t"), "Thing([1, 23])");
        run(py, "t[1:] = tt.Thing(5, 6)");
        assert_eq!(repr(py, "t"), "Thing([1, 5, 6])");
        fails(py, "del t[9]", "IndexError", "Thing index out of range");
        fails(py, "t[0] = 'x'", "TypeError", &not_an_integer("str"));
        assert_eq!(repr(py, "t"), "Thing([1, 5, 6])");
    })
}

#[test]
fn sequence_item_slots() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "s = tt.Seq(1, 2, 3)");
        assert_eq!(repr(py, "len(s), s[0], s[2]"), "(3, 1, 3)");
        // Negative indexes are adjusted by Python (the type has a length).
        assert_eq!(repr(py, "s[-1]"), "3");
        fails(py, "s[3]", "IndexError", "Seq index 3");
        fails(py, "s[-4]", "IndexError", "Seq index -1");
        // Iteration through sq_item, until IndexError.
        assert_eq!(repr(py, "list(s)"), "[1, 2, 3]");
        assert_eq!(repr(py, "2 in s"), "True");
        run(py, "s[0] = 7\ns[-1] = 9");
        assert_eq!(repr(py, "list(s)"), "[7, 2, 9]");
        run(py, "del s[1]");
        assert_eq!(repr(py, "list(s)"), "[7, 9]");
        fails(py, "del s[5]", "IndexError", "Seq index 5");
        fails(py, "s[0] = None", "TypeError", &not_an_integer("NoneType"));
        assert_eq!(repr(py, "list(s)"), "[7, 9]");
    })
}

#[test]
fn number_and_sequence_operators() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "t = tt.Thing(1, 2)");
        assert_eq!(repr(py, "t + tt.Thing(3)"), "Thing([1, 2, 3])");
        fails(py, "t + 1", "TypeError", "can only add a Thing");
        assert_eq!(repr(py, "t * 2"), "Thing([1, 2, 1, 2])");
        assert_eq!(repr(py, "2 * t"), "Thing([1, 2, 1, 2])");
        assert_eq!(repr(py, "t * 0"), "Thing([])");
        assert_eq!(repr(py, "t * -3"), "Thing([])");
        // In place: the same object, changed.
        run(py, "u = t\nu += [3, 4]");
        assert_eq!(repr(py, "(u is t, t)"), "(True, Thing([1, 2, 3, 4]))");
        run(py, "u = t\nu *= 2");
        assert_eq!(
            repr(py, "(u is t, t)"),
            "(True, Thing([1, 2, 3, 4, 1, 2, 3, 4]))"
        );
        // Binary operators, with the instance on either side.
        run(py, "t = tt.Thing(6, 3)");
        assert_eq!(repr(py, "t & 5"), "Thing([4, 1])");
        assert_eq!(repr(py, "5 & t"), "Thing([4, 1])");
        assert_eq!(repr(py, "t | 1"), "Thing([7, 3])");
        assert_eq!(repr(py, "8 | t"), "Thing([14, 11])");
        assert_eq!(repr(py, "t ^ 2"), "Thing([4, 1])");
        assert_eq!(repr(py, "t << 1"), "Thing([12, 6])");
        assert_eq!(repr(py, "1 << t"), "Thing([64, 8])");
        assert_eq!(repr(py, "t >> 1"), "Thing([3, 1])");
        assert_eq!(repr(py, "96 >> t"), "Thing([1, 12])");
        // NotImplemented both ways: Python's TypeError.
        fails(
            py,
            "t & 'x'",
            "TypeError",
            "unsupported operand type(s) for &: 'types_test.Thing' and 'str'",
        );
        fails(
            py,
            "t & t",
            "TypeError",
            "unsupported operand type(s) for &: 'types_test.Thing' and 'types_test.Thing'",
        );
        // In-place binary forms.
        run(py, "u = t\nu &= 7\nu |= 8\nu ^= 1\nu <<= 2\nu >>= 1");
        assert_eq!(repr(py, "(u is t, t)"), "(True, Thing([30, 20]))");
        // Not an int: the in-place slot says NotImplemented, the binary one
        // is tried, and says it too.
        fails(
            py,
            "u = t\nu &= 'x'",
            "TypeError",
            "unsupported operand type(s) for &=: 'types_test.Thing' and 'str'",
        );
        // Unary.
        assert_eq!(repr(py, "~tt.Thing(0, -1)"), "Thing([-1, 0])");
        import_operator(py);
        assert_eq!(repr(py, "operator.index(tt.Thing(1, 2))"), "2");
        assert_eq!(repr(py, "range(10)[tt.Thing(1, 2, 3)]"), "3");
        assert_eq!(repr(py, "'abcdef'[tt.Thing():tt.Thing(1, 1)]"), "'ab'");
        // __call__
        assert_eq!(repr(py, "tt.Thing(10)(1, 2, k=3)"), "(12, 1)");
        assert_eq!(repr(py, "tt.Thing(10)()"), "(10, 0)");
        assert_eq!(
            repr(py, "callable(tt.Thing()), callable(tt.Seq())"),
            "(True, False)"
        );
    })
}

fn import_operator(py: Python<'_>) {
    run(py, "import operator");
}

/// Each slot's Python spelling, and the name its body reports.
const FAILING_SLOTS: &[(&str, &str)] = &[
    ("repr(f)", "repr"),
    ("str(f)", "str"),
    ("iter(f)", "iter"),
    ("next(it)", "next"),
    ("hash(f)", "hash"),
    ("f == 1", "richcmp"),
    ("len(f)", "len"),
    ("bool(f)", "nonzero"),
    ("1 in f", "contains"),
    ("f[0]", "getitem"),
    ("f[0] = 1", "setitem"),
    ("del f[0]", "setitem"),
    ("f()", "call"),
    ("~f", "invert"),
    ("operator.index(f)", "index"),
    ("f + f", "concat"),
    ("g = f\ng += 1", "inplace_concat"),
    ("f * 2", "repeat"),
    ("g = f\ng *= 2", "inplace_repeat"),
    ("f & 1", "binary"),
    ("1 | f", "binary"),
    ("f ^ 1", "binary"),
    ("1 << f", "binary"),
    ("f >> 1", "binary"),
    ("g = f\ng &= 1", "iand"),
    ("g = f\ng |= 1", "ior"),
    ("g = f\ng ^= 1", "ixor"),
    ("g = f\ng <<= 1", "ilshift"),
    ("g = f\ng >>= 1", "irshift"),
    ("f.noargs()", "noargs"),
    ("f.arg(1)", "arg"),
    ("f.args(1, 2)", "args"),
    ("f.kwargs(1, k=2)", "kwargs"),
    ("s[0]", "item"),
    ("s[0] = 1", "set_item"),
    ("del s[0]", "set_item"),
];

#[test]
fn errors_panics_and_stray_exceptions_in_every_slot() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        import_operator(py);
        run(py, "f = tt.Failing()\ns = tt.FailingSeq()\nit = iter(f)");
        // Working, first: each spelling reaches its slot.
        for (code, _) in FAILING_SLOTS {
            if is_statement(code) {
                run(py, code);
            } else {
                py.eval(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            }
        }
        for mode in 1..=3 {
            run(py, &format!("f.set_mode({mode})\ns.set_mode({mode})"));
            for (code, slot) in FAILING_SLOTS {
                let (type_name, message) = match mode {
                    1 => ("ValueError", format!("{slot} failed")),
                    2 => ("SystemError", format!("Rust panic: {slot} panicked")),
                    _ => ("SystemError", String::new()),
                };
                if mode == 3 {
                    // A success with an exception set: SystemError, which
                    // names the stray exception.
                    let e = if is_statement(code) {
                        py.run(code).unwrap_err()
                    } else {
                        py.eval(code).map(drop).unwrap_err()
                    };
                    assert_eq!(e.type_name(), type_name, "{code}: {e}");
                    assert!(
                        e.message()
                            .contains(&format!("ValueError: {slot} left this set")),
                        "{code}: {e}"
                    );
                    assert!(no_exception_set(py), "{code}");
                } else {
                    fails(py, code, type_name, &message);
                }
            }
            // The value was borrowed shared by each failing body, and
            // mutably by the failing `args`: every borrow was released,
            // panics included.
            run(py, "f.set_mode(0)\ns.set_mode(0)");
        }
        // The ssize_t slot's own error: a length past its range.
        run(py, "f.set_mode(4)");
        fails(py, "len(f)", "OverflowError", "length too large");
        run(py, "f.set_mode(0)");
        assert_eq!(repr(py, "len(f)"), "3");
        assert!(no_exception_set(py));
    })
}

#[test]
fn a_panic_while_borrowed_mutably_releases_the_borrow() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "t = tt.Thing(1)");
        fails(
            py,
            "t.panic_mut()",
            "SystemError",
            "Rust panic: panicked holding &mut",
        );
        // Unwinding dropped the guard: the value is usable (and the change
        // made before the panic is there, as with a RefCell).
        assert_eq!(repr(py, "t.push(2), t"), "(3, Thing([1, -1, 2]))");
        fails(py, "t.fail('error')", "ValueError", "thing failed");
        fails(
            py,
            "t.fail('panic')",
            "SystemError",
            "Rust panic: thing panicked",
        );
        let e = py.run("t.fail('stray')").unwrap_err();
        assert_eq!(e.type_name(), "SystemError");
        assert!(e.message().contains("ValueError: stray"), "{e}");
        assert!(no_exception_set(py));
        assert_eq!(repr(py, "t.fail('fine')"), "None");
    })
}

// ---- subclasses, weak references, the instance dict, the collector ------------

#[test]
fn python_subclasses_inherit_methods_and_slots() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
class Sub(tt.Thing):
    """A subclass."""
    def __init__(self, *items):
        super(Sub, self).__init__()
        self.extra = len(items)
    def doubled(self):
        return self.total() * 2
    def __repr__(self):
        return 'Sub:' + tt.Thing.__repr__(self)
s = Sub(1, 2, 3)
"#,
        );
        assert_eq!(
            repr(py, "s.extra, s.doubled(), s.total(), len(s)"),
            "(3, 12, 6, 3)"
        );
        assert_eq!(repr(py, "s"), "Sub:Sub([1, 2, 3])");
        assert_eq!(
            repr(py, "isinstance(s, tt.Thing), type(s).__name__"),
            "(True, 'Sub')"
        );
        // Slots made with create_like give the subclass's type back.
        assert_eq!(
            repr(
                py,
                "type(s[0:2]).__name__, type(~s).__name__, type(s * 2).__name__"
            ),
            "('Sub', 'Sub', 'Sub')"
        );
        assert_eq!(
            repr(py, "type(s & 1).__name__, type(1 & s).__name__"),
            "('Sub', 'Sub')"
        );
        assert_eq!(
            repr(py, "list(s), hash(s), s == tt.Thing(1, 2, 3), 2 in s"),
            "([1, 2, 3], 6, True, True)"
        );
        run(py, "s.push(4)\ns[0] = 0\ndel s[1]\ns += [9]");
        assert_eq!(repr(py, "s"), "Sub:Sub([0, 3, 4, 9])");
        // Its own __dict__ and weak references.
        run(py, "s.more = 'x'");
        assert_eq!(
            repr(py, "sorted(s.__dict__.items())"),
            "[('extra', 3), ('more', 'x')]"
        );
        run(py, "import weakref\nr = weakref.ref(s)");
        assert_eq!(repr(py, "r() is s"), "True");
        // __slots__: no dict, the slots work; a pointer-aligned layout.
        run(py, "class Slotted(tt.Thing):\n    __slots__ = ('a', 'b')\nz = Slotted(5)\nz.a = 1\nz.b = [z]");
        assert_eq!(
            repr(py, "z.a, z.total(), hasattr(z, '__dict__')"),
            "(1, 5, False)"
        );
        fails(
            py,
            "z.c = 1",
            "AttributeError",
            &no_attribute("'Slotted' object has no attribute 'c'"),
        );
        // Rust types that are not subclassable refuse.
        fails(
            py,
            "class P(tt.Plain): pass",
            "TypeError",
            &bases_error("type 'types_test.Plain' is not an acceptable base type"),
        );
        // Two Rust types: their layouts conflict.
        fails(
            py,
            "class Both(tt.Thing, tt.Buf): pass",
            "TypeError",
            &bases_error("multiple bases have instance lay-out conflict"),
        );
        // __class__ assignment: between subclasses of one Rust type only.
        run(py, "class Sub2(tt.Thing): pass\nclass BufSub(tt.Buf): pass\nv = Sub2(1)\nv.__class__ = Sub");
        assert_eq!(repr(py, "type(v).__name__, v.doubled()"), "('Sub', 2)");
        // (Python 2 names the object's class first, Python 3 the new one.)
        fails(
            py,
            "v.__class__ = BufSub",
            "TypeError",
            by_line(
                "__class__ assignment: 'Sub' object layout differs from 'BufSub'",
                "__class__ assignment: 'BufSub' object layout differs from 'Sub'",
            ),
        );
        // Deallocation through the subclass's: the value is dropped once.
        let before = THINGS_DROPPED.load(Ordering::SeqCst);
        run(py, "del s, v, r\nz.b = None\ndel z");
        assert_eq!(THINGS_DROPPED.load(Ordering::SeqCst) - before, 3);
    })
}

#[test]
fn subclass_slots_are_pointer_aligned() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        // A Python subclass puts its __dict__, __weakref__ and __slots__
        // pointers at the base's tp_basicsize as it is: a value whose size
        // is not a multiple of a pointer's must not misalign them.
        run(
            py,
            "class FlagSub(tt.Flag):\n    __slots__ = ('a',)\nclass FlagDict(tt.Flag): pass",
        );
        assert_eq!(repr(py, "tt.Flag.__basicsize__ % 8"), "0");
        // Python 3.11 and later keep a subclass's dict before the object
        // (a managed dict, a negative __dictoffset__): nothing to align.
        assert_eq!(
            repr(
                py,
                "FlagDict.__dictoffset__ < 0 or FlagDict.__dictoffset__ % 8 == 0, \
                 FlagDict.__weakrefoffset__ % 8"
            ),
            "(True, 0)"
        );
        run(py, "f = FlagSub()\nf.a = 'x'\ng = FlagDict()\ng.b = 1");
        assert_eq!(
            repr(py, "f.a, f.toggle(), g.b, g.toggle(), g.toggle()"),
            "('x', False, 1, False, True)"
        );
        for ty in [
            "Thing",
            "ThingIter",
            "Seq",
            "Failing",
            "Node",
            "Buf",
            "RoBuf",
            "Plain",
            "Unhashable",
        ] {
            assert_eq!(repr(py, &format!("tt.{ty}.__basicsize__ % 8")), "0", "{ty}");
        }
    })
}

#[test]
fn constructors_and_downcasts() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "class Sub(tt.Thing): pass\nclass BufSub(tt.Buf): pass");
        let thing = py.eval("tt.Thing(1, 2)").unwrap();
        let t = Instance::<Thing>::downcast(&thing).unwrap();
        assert_eq!(t.borrow().unwrap().items, [1, 2]);
        assert!(Instance::<Buf>::downcast(&thing).is_none());
        assert!(Instance::<ThingIter>::downcast(&thing).is_none());
        let sub = py.eval("Sub(3)").unwrap();
        assert_eq!(
            Instance::<Thing>::downcast(&sub)
                .unwrap()
                .borrow()
                .unwrap()
                .items,
            [3]
        );
        for other in ["3", "[1]", "tt.Thing", "tt.Buf(1)", "BufSub(1)", "object()"] {
            let o = py.eval(other).unwrap();
            assert!(Instance::<Thing>::downcast(&o).is_none(), "{other}");
        }
        // Objects made without the constructor: Python refuses to.
        fails(
            py,
            "object.__new__(tt.Thing)",
            "TypeError",
            "object.__new__(types_test.Thing) is not safe, use types_test.Thing.__new__()",
        );
        // (Python 3 names the subclass, whose __new__ is Thing's.)
        fails(
            py,
            "object.__new__(Sub)",
            "TypeError",
            by_line(
                "object.__new__(Sub) is not safe, use types_test.Thing.__new__()",
                "object.__new__(Sub) is not safe, use Sub.__new__()",
            ),
        );
        fails(py, "tt.Thing.__new__(tt.Buf)", "TypeError",
            "types_test.Thing.__new__(types_test.Buf): types_test.Buf is not a subtype of types_test.Thing");
        fails(
            py,
            "tt.Thing.__new__(BufSub)",
            "TypeError",
            "types_test.Thing.__new__(BufSub): BufSub is not a subtype of types_test.Thing",
        );
        fails(
            py,
            "tt.Thing.__new__(int)",
            "TypeError",
            "types_test.Thing.__new__(int): int is not a subtype of types_test.Thing",
        );
        // T.__new__(Subclass) runs T's constructor for the subclass.
        let made = py.eval("tt.Thing.__new__(Sub, 7, 8)").unwrap();
        assert_eq!(made.type_name(), "Sub");
        assert_eq!(
            Instance::<Thing>::downcast(&made)
                .unwrap()
                .borrow()
                .unwrap()
                .items,
            [7, 8]
        );
        // copy goes through __reduce_ex__: on Python 2 the constructor
        // again; Python 3 refuses, seeing state (the Rust value) it cannot
        // copy.
        run(py, "import copy");
        if ffi::PY3 {
            fails(
                py,
                "copy.copy(tt.Thing(1))",
                "TypeError",
                "cannot pickle 'types_test.Thing' object",
            );
        } else {
            run(py, "c = copy.copy(tt.Thing(1))");
            assert_eq!(repr(py, "c"), "Thing([])");
        }
        // No constructor: Python cannot make one at all; Rust can.
        fails(
            py,
            "tt.Plain()",
            "TypeError",
            "cannot create 'types_test.Plain' instances",
        );
        fails(
            py,
            "tt.Plain.__new__(tt.Plain)",
            "TypeError",
            "object.__new__(types_test.Plain) is not safe, use types_test.Plain.__new__()",
        );
        fails(
            py,
            "object.__new__(tt.Plain)",
            "TypeError",
            "object.__new__(types_test.Plain) is not safe, use types_test.Plain.__new__()",
        );
        assert_eq!(repr(py, "tt.Plain.make(5).get()"), "5");
        let plain = Instance::create(py, Plain { n: 9 }, Vec::new()).unwrap();
        assert_eq!(
            Instance::<Plain>::downcast(&plain)
                .unwrap()
                .borrow()
                .unwrap()
                .n,
            9
        );
        // A type exporting nothing says so.
        fails(
            py,
            "tt.Plain.make(1).exported()",
            "TypeError",
            "types_test.Plain objects export no memory",
        );
        assert!(no_exception_set(py));
    })
}

#[test]
fn weak_references_and_their_callbacks() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
import weakref
calls = []
survivor = tt.Thing(100)
def callback(ref):
    # Runs while the Thing is being freed: Python code that may use other
    # objects of the type.
    calls.append((ref() is None, survivor.push(len(calls))))
t = tt.Thing(1, 2)
r = weakref.ref(t, callback)
p = weakref.proxy(t)
assert r() is t and p.total() == 3 and len(p) == 2
"#,
        );
        let before = THINGS_DROPPED.load(Ordering::SeqCst);
        run(py, "del t");
        assert_eq!(THINGS_DROPPED.load(Ordering::SeqCst) - before, 1);
        assert_eq!(
            repr(py, "calls, r() is None, survivor"),
            "([(True, 2)], True, Thing([100, 0]))"
        );
        fails(
            py,
            "p.total()",
            "ReferenceError",
            "weakly-referenced object no longer exists",
        );
        // Types without the feature refuse weak references.
        fails(
            py,
            "weakref.ref(tt.Seq())",
            "TypeError",
            "cannot create weak reference to 'types_test.Seq' object",
        );
    })
}

#[test]
fn the_instance_dict() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "n = tt.Node()\nn.x = 1\nn.y = 'two'");
        assert_eq!(
            repr(py, "n.x, n.y, getattr(n, 'z', None)"),
            "(1, 'two', None)"
        );
        run(py, "del n.x");
        fails(
            py,
            "n.x",
            "AttributeError",
            "'types_test.Node' object has no attribute 'x'",
        );
        assert_eq!(repr(py, "n.__dict__"), "{'y': 'two'}");
        assert_eq!(repr(py, "vars(n)"), "{'y': 'two'}");
        // Attributes don't hide methods of the type (non-data descriptors
        // are found in the dict first, as for any Python object).
        run(py, "n.link = 5");
        assert_eq!(repr(py, "n.link"), "5");
        // It can be replaced, not deleted.
        run(py, "n.__dict__ = {'a': 1}");
        assert_eq!(repr(py, "n.a, n.__dict__"), "(1, {'a': 1})");
        fails(
            py,
            "n.__dict__ = 1",
            "TypeError",
            "__dict__ must be set to a dictionary, not a 'int'",
        );
        fails(
            py,
            "del n.__dict__",
            "TypeError",
            "__dict__ may not be deleted",
        );
        run(py, "import copy, pickle");
        if ffi::PY3 {
            // Python 3 copies and pickles (protocol 2 and up) an object of a
            // C type only if it sees all of its state: the Rust value is
            // state it cannot see (the instance is larger than a dict and a
            // weak reference list make it), so it refuses.
            for code in ["copy.copy(n)", "copy.deepcopy(n)", "pickle.dumps(n, 2)"] {
                fails(
                    py,
                    code,
                    "TypeError",
                    "cannot pickle 'types_test.Node' object",
                );
            }
        } else {
            // Python 2's copy and pickle's protocol 2 see it: the
            // constructor, then the dict.
            run(
                py,
                "c = copy.copy(n)\nd = copy.deepcopy(n)\np = pickle.loads(pickle.dumps(n, 2))",
            );
            assert_eq!(
                repr(
                    py,
                    "type(c).__name__, c.a, d.a, p.a, c is n, type(p) is tt.Node"
                ),
                "('Node', 1, 1, 1, False, True)"
            );
        }
        // A subclass uses the same dict, not one of its own.
        run(py, "class NodeSub(tt.Node): pass\nns = NodeSub()\nns.q = 1");
        assert_eq!(
            repr(
                py,
                "ns.__dict__, NodeSub.__dictoffset__ == tt.Node.__dictoffset__"
            ),
            "({'q': 1}, True)"
        );
        // Types without the feature have no dict.
        fails(
            py,
            "tt.Thing().x = 1",
            "AttributeError",
            &no_attribute("'types_test.Thing' object has no attribute 'x'"),
        );
    })
}

/// Whether `__main__.w`, a weak reference, is dead.
fn dead(py: Python<'_>, name: &str) -> bool {
    repr(py, &format!("{name}() is None")) == "True"
}

#[test]
fn the_collector_frees_cycles_through_rust_values() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        // Names earlier tests bound to Nodes are let go first.
        run(py, "import gc, weakref\nn = a = b = None\ngc.collect()");
        let before = NODES_DROPPED.load(Ordering::SeqCst);
        // Node -> list -> Node, through the value.
        run(
            py,
            "n = tt.Node()\nl = [n]\nn.link(l)\nw = weakref.ref(n)\ndel n, l",
        );
        assert!(!dead(py, "w"));
        run(py, "gc.collect()");
        assert!(dead(py, "w"));
        assert_eq!(NODES_DROPPED.load(Ordering::SeqCst) - before, 1);
        // Through the instance dict.
        run(
            py,
            "n = tt.Node()\nn.me = n\nw = weakref.ref(n)\ndel n\ngc.collect()",
        );
        assert!(dead(py, "w"));
        // Two nodes holding each other, one through a subclass instance.
        run(py, "class NodeSub(tt.Node): pass\na = tt.Node()\nb = NodeSub()\na.link(b)\nb.link(a)\nwa, wb = weakref.ref(a), weakref.ref(b)\ndel a, b\ngc.collect()");
        assert!(dead(py, "wa") && dead(py, "wb"));
        assert_eq!(NODES_DROPPED.load(Ordering::SeqCst) - before, 4);
        // A type that does not report what it holds: the cycle stays (a
        // leak, not a crash), until broken by hand.
        run(
            py,
            "t = tt.Thing()\nl = [t]\nt.hold(l)\nw = weakref.ref(t)\ndel t, l\ngc.collect()",
        );
        assert!(!dead(py, "w"));
        run(py, "w().hold(None)");
        assert!(dead(py, "w"));
    })
}

#[test]
fn a_cycle_through_the_instance_dict_is_collected_without_gc_support_asked_for() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            "import gc, weakref\na = tt.Attrs()\na.me = a\nw = weakref.ref(a)\ndel a",
        );
        assert!(!dead(py, "w"));
        run(py, "gc.collect()");
        assert!(dead(py, "w"));
        assert_eq!(repr(py, "gc.is_tracked(tt.Attrs())"), "True");
        // Its property and its __dict__, side by side in one table.
        run(py, "a = tt.Attrs()\na.x = 1");
        // Its getter's `&str` is Python 2's unicode, Python 3's str.
        assert_eq!(
            repr(py, "(a.kind, a.__dict__, tt.Attrs.kind.__doc__)"),
            by_line(
                "(u'attrs', {'x': 1}, 'what it is')",
                "('attrs', {'x': 1}, 'what it is')"
            )
        );
        fails(
            py,
            "a.kind = 'other'",
            "AttributeError",
            "attribute 'kind' of 'types_test.Attrs' objects is not writable",
        );
        // A class method, called on the class and on an instance; the type
        // is not subclassable (no `subclassable` feature).
        assert_eq!(
            repr(py, "(tt.Attrs.describe(1, 2), a.describe(k=1))"),
            by_line(
                "(u\"'Attrs' 2\", u\"'Attrs' 0\")",
                "(\"'Attrs' 2\", \"'Attrs' 0\")"
            )
        );
        // One written `(class, args)` refuses keywords, as C's METH_VARARGS.
        assert_eq!(
            repr(py, "tt.Attrs.describe_positional(1)"),
            by_line("u\"'Attrs' 1\"", "\"'Attrs' 1\"")
        );
        fails(
            py,
            "tt.Attrs.describe_positional(k=1)",
            "TypeError",
            "describe_positional() takes no keyword arguments",
        );
        fails(
            py,
            "class Sub(tt.Attrs): pass",
            "TypeError",
            &bases_error("type 'types_test.Attrs' is not an acceptable base type"),
        );
    })
}

#[test]
fn traverse_is_skipped_while_borrowed_mutably() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            "import gc, weakref\nn = tt.Node()\nl = ['held']\nn.link(l)",
        );
        assert_eq!(repr(py, "gc.get_referents(n)"), "[['held']]");
        // Shared borrow: the value is reported as it is.
        assert_eq!(repr(py, "n.with_shared(gc.get_referents)"), "[['held']]");
        // Mutable borrow: the value may be mid-change; not read.
        assert_eq!(repr(py, "n.with_mut(gc.get_referents)"), "[]");
        assert_eq!(repr(py, "gc.get_referents(n)"), "[['held']]");
        // A collection while borrowed mutably: what the value holds is seen
        // as referenced from outside, so kept; collected afterwards.
        run(py, "class Box(object): pass\nb = Box()\nl.append(b)\nb.n = n\nw = weakref.ref(b)\nn.with_mut(lambda self: gc.collect())");
        run(py, "del l, b\nn.with_mut(lambda self: gc.collect())");
        assert!(!dead(py, "w"));
        run(py, "del n\ngc.collect()");
        assert!(dead(py, "w"));
    })
}

// ---- re-entry: Python code coming back to a borrowed value ---------------------

#[test]
fn reentering_a_mutably_borrowed_value_raises_inside_the_callback() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
t = tt.Thing()
log = []
def attempt(what, f):
    try:
        f()
        log.append((what, 'ok'))
    except RuntimeError as e:
        log.append((what, str(e)))
def callback():
    attempt('&self', t.total)
    attempt('&mut self', lambda: t.push(5))
    attempt('this, shared', t.this_len)
    attempt('this, mut', lambda: t.this_push_all(5))
    attempt('repr', lambda: repr(t))
    attempt('len', lambda: len(t))
    attempt('hash', lambda: hash(t))
    attempt('item', lambda: t[0])
    attempt('iteration', lambda: list(t))
    attempt('in place', lambda: t.__iadd__([5]))
    attempt('this, no borrow', t.this_itself)
    attempt('static', t.answer)
    return 'done'
result = t.call_mut(callback)
"#,
        );
        assert_eq!(repr(py, "result, t"), "('done', Thing([1, 2]))");
        let log = repr(py, "log");
        assert_eq!(
            log,
            "[('&self', 'Already mutably borrowed'), ('&mut self', 'Already mutably borrowed'), \
             ('this, shared', 'Already mutably borrowed'), ('this, mut', 'Already mutably borrowed'), \
             ('repr', 'Already mutably borrowed'), ('len', 'Already mutably borrowed'), \
             ('hash', 'Already mutably borrowed'), ('item', 'Already mutably borrowed'), \
             ('iteration', 'Already mutably borrowed'), ('in place', 'Already mutably borrowed'), \
             ('this, no borrow', 'ok'), ('static', 'ok')]"
        );
        // An exception the callback lets through ends the outer method,
        // whose borrow is released all the same.
        fails(
            py,
            "t.call_mut(t.total)",
            "RuntimeError",
            "Already mutably borrowed",
        );
        assert_eq!(repr(py, "t.push(3), t"), "(4, Thing([1, 2, 1, 3]))");
        assert!(no_exception_set(py));
    })
}

#[test]
fn a_shared_borrow_lets_readers_in_and_keeps_writers_out() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
t = tt.Thing(4)
log = []
def callback():
    log.append(t.total())
    log.append(repr(t))
    log.append(list(t))
    log.append(t.call_shared(lambda: t.this_len()))
    for f in (lambda: t.push(1), t.clear_items, lambda: t.__setitem__(0, 1)):
        try:
            f()
        except RuntimeError as e:
            log.append(str(e))
result = t.call_shared(callback)
"#,
        );
        assert_eq!(
            repr(py, "log"),
            "[4, 'Thing([4])', [4], 1, 'Already borrowed', 'Already borrowed', 'Already borrowed']"
        );
        assert_eq!(repr(py, "t.push(1)"), "2");
    })
}

#[test]
fn this_methods_holding_no_borrow_allow_reentry() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            "t = tt.Thing()\nt.call_this(lambda: (t.push(9), t.call_this(lambda: t.push(8))))",
        );
        // Outer 1, inner call_this: 9, then its 1, 8, 2; outer 2.
        assert_eq!(repr(py, "t"), "Thing([1, 9, 1, 8, 2, 2])");
        // And nested mutable borrows of the same object, each released
        // before Python runs, again and again.
        run(
            py,
            "def deep(n):\n    if n: t.call_this(lambda: deep(n - 1))\nt.clear_items()\ndeep(50)",
        );
        assert_eq!(repr(py, "len(t)"), "100");
    })
}

#[test]
fn a_del_run_by_a_drop_inside_a_method_meets_the_borrow() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
t = tt.Thing(1)
log = []
class Dies(object):
    def __del__(self):
        for f in (t.total, lambda: t.push(2), t.held):
            try:
                log.append(f())
            except RuntimeError as e:
                log.append(str(e))
        # And a method that takes no borrow still runs.
        log.append(t.this_itself() is t)
t.hold(Dies())
t.hold(None)    # drops the Dies while the value is borrowed mutably
"#,
        );
        assert_eq!(
            repr(py, "log"),
            "['Already mutably borrowed', 'Already mutably borrowed', 'Already mutably borrowed', True]"
        );
        assert_eq!(repr(py, "t, t.held()"), "(Thing([1]), None)");
        assert!(no_exception_set(py));
        // The value itself dropped while its object is freed: its held
        // object's __del__ runs then, and may use other objects (not this
        // one: nothing refers to it any more).
        run(py, "log = []\nother = tt.Thing(5)\nu = tt.Thing()\nclass Dies2(object):\n    def __del__(self):\n        log.append(other.push(6))\nu.hold(Dies2())\ndel u");
        assert_eq!(repr(py, "log, other"), "([2], Thing([5, 6]))");
    })
}

#[test]
fn forgotten_and_leaked_guards_leave_borrows_failing_and_deallocation_fine() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "a = tt.Thing(1)\na.forget_shared()");
        // A shared borrow forgotten: readers still fine, writers refused.
        assert_eq!(repr(py, "a.total(), repr(a)"), "(1, 'Thing([1])')");
        fails(py, "a.push(2)", "RuntimeError", "Already borrowed");
        fails(py, "a.forget_mut()", "RuntimeError", "Already borrowed");
        run(py, "b = tt.Thing(2)\nb.forget_mut()");
        fails(py, "b.total()", "RuntimeError", "Already mutably borrowed");
        fails(py, "b.push(1)", "RuntimeError", "Already mutably borrowed");
        fails(py, "repr(b)", "RuntimeError", "Already mutably borrowed");
        assert_eq!(repr(py, "b.this_itself() is b"), "True");
        run(py, "c = tt.Thing(3)\nc.leak_mut()");
        fails(py, "c.total()", "RuntimeError", "Already mutably borrowed");
        // The object itself is freed as any other, its value dropped.
        let before = THINGS_DROPPED.load(Ordering::SeqCst);
        run(py, "del a, b, c");
        assert_eq!(THINGS_DROPPED.load(Ordering::SeqCst) - before, 3);
        // In Rust: the same.
        let o = py.eval("tt.Thing(4)").unwrap();
        let t = Instance::<Thing>::downcast(&o).unwrap();
        std::mem::forget(t.borrow_mut().unwrap());
        assert_eq!(
            t.borrow().err().unwrap().message(),
            "Already mutably borrowed"
        );
        assert_eq!(
            t.borrow_mut().err().unwrap().message(),
            "Already mutably borrowed"
        );
        let before = THINGS_DROPPED.load(Ordering::SeqCst);
        drop(o);
        assert_eq!(THINGS_DROPPED.load(Ordering::SeqCst) - before, 1);
        // Many shared borrows in Rust, then a mutable one refused.
        let o = py.eval("tt.Thing(5)").unwrap();
        let t = Instance::<Thing>::downcast(&o).unwrap();
        let guards: Vec<_> = (0..100).map(|_| t.borrow().unwrap()).collect();
        assert_eq!(t.borrow_mut().err().unwrap().message(), "Already borrowed");
        drop(guards);
        t.borrow_mut().unwrap().items.push(6);
        assert_eq!(t.borrow().unwrap().items, [5, 6]);
        assert!(no_exception_set(py));
    })
}

#[test]
fn python_threads_meet_a_borrow_held_across_a_sleep() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(
            py,
            r#"
import threading, time
t = tt.Thing(1)
started = threading.Event()
seen = []
def holder():
    started.set()
    time.sleep(0.3)    # releases the GIL with the value borrowed mutably
    return 'slept'
def other():
    started.wait()
    for f in (t.total, lambda: t.push(2), lambda: repr(t), t.this_itself):
        try:
            seen.append(f() is t or f())
        except RuntimeError as e:
            seen.append(str(e))
th = threading.Thread(target=other)
th.start()
result = t.call_mut(holder)
th.join()
"#,
        );
        assert_eq!(
            repr(py, "result, seen"),
            "('slept', ['Already mutably borrowed', 'Already mutably borrowed', 'Already mutably borrowed', True])"
        );
        // Many threads calling methods of one object meanwhile: each call
        // either works or raises RuntimeError; the value stays consistent.
        run(
            py,
            r#"
t = tt.Thing()
errors = []
def worker(n):
    for i in range(200):
        try:
            t.push(n)
            t.call_this(lambda: t.push(n))
        except RuntimeError as e:
            errors.append(str(e))
threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for th in threads: th.start()
for th in threads: th.join()
"#,
        );
        assert_eq!(repr(py, "len(t) + len(errors) // 1 >= 4 * 200"), "True");
        assert_eq!(
            repr(py, "set(errors) <= set(['Already mutably borrowed'])"),
            "True"
        );
        assert_eq!(repr(py, "sorted(set(t))"), "[0, 1, 2, 3]");
    })
}

// ---- exported memory ---------------------------------------------------------------

#[test]
fn views_refuse_resizes_until_released() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "b = tt.Buf(4)\nm = memoryview(b)");
        assert_eq!(
            repr(py, "m.tobytes(), len(m), m.readonly, b.exports()"),
            format!("({}, 4, False, 1)", bytes_lit("'abcd'"))
        );
        fails(
            py,
            "b.resize(8)",
            "BufferError",
            "Existing exports of data: object cannot be re-sized",
        );
        // The same length is no resize.
        assert_eq!(repr(py, "b.resize(4)"), "4");
        // Writes through the view land in the memory.
        run(py, by_line("m[0] = 'Z'", "m[0] = ord('Z')"));
        assert_eq!(repr(py, &contents("b")), bytes_lit("'Zbcd'"));
        // A slice of a view: on Python 2 another export; on Python 3 it
        // shares the view's (one managed buffer for both), released when
        // both are gone.
        run(py, "m2 = m[1:3]");
        assert_eq!(
            repr(py, "m2.tobytes(), b.exports()"),
            format!("({}, {})", bytes_lit("'bc'"), by_line(2, 1))
        );
        run(py, "del m");
        assert_eq!(repr(py, "b.exports()"), "1");
        fails(
            py,
            "b.resize(8)",
            "BufferError",
            "Existing exports of data: object cannot be re-sized",
        );
        run(py, "del m2");
        assert_eq!(
            repr(py, &format!("b.exports(), b.resize(8), {}", contents("b"))),
            format!("(0, 8, {})", bytes_lit("'Zbcd\\x00\\x00\\x00\\x00'"))
        );
        assert_eq!(
            repr(
                py,
                &format!(
                    "b.resize(0), {}, b.resize(2), {}",
                    contents("b"),
                    contents("b")
                )
            ),
            format!("(0, {}, 2, {})", bytes_lit("''"), bytes_lit("'\\x00\\x00'"))
        );
        // C functions taking "s*" and "w*" count an export while they hold
        // the view: io's readinto writes into the memory.
        run(
            py,
            "import io, struct\nb = tt.Buf(3)\nn = io.BytesIO(b'xyz').readinto(b)",
        );
        assert_eq!(
            repr(py, &format!("n, {}, b.exports()", contents("b"))),
            format!("({}, {}, 0)", by_line("3L", "3"), bytes_lit("'xyz'"))
        );
        // struct.pack_into ("w*" too), released as soon as it returns.
        run(py, "struct.pack_into('B', b, 1, 65)");
        assert_eq!(
            repr(py, &format!("{}, b.exports()", contents("b"))),
            format!("({}, 0)", bytes_lit("'xAz'"))
        );
        assert_eq!(
            repr(py, "bytearray(b), b.exports()"),
            "(bytearray(b'xAz'), 0)"
        );
        // A subclass exports the same way.
        run(
            py,
            "class BufSub(tt.Buf): pass\nbs = BufSub(2)\nm = memoryview(bs)",
        );
        assert_eq!(
            repr(py, "m.tobytes(), bs.exports()"),
            format!("({}, 1)", bytes_lit("'ab'"))
        );
        fails(
            py,
            "bs.resize(1)",
            "BufferError",
            "Existing exports of data: object cannot be re-sized",
        );
        run(py, "del m");
        assert_eq!(repr(py, "bs.resize(1), bs.exports()"), "(1, 0)");
        assert!(no_exception_set(py));
    })
}

#[test]
fn buffer_objects_ask_again_and_see_the_memory_after_a_resize() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        if ffi::PY3 {
            // Python 3 has no buffer objects: its views are memoryviews,
            // which hold an export for as long as any of them lives, and
            // legacy-buffer's borrow of one is Pinned, never Unpinned.
            fails(py, "buffer", "NameError", "name 'buffer' is not defined");
            run(py, "b = tt.Buf(3)\nold = memoryview(b)\npart = old[1:2]");
            assert_eq!(
                repr(py, "b.exports(), old.tobytes(), part.tobytes()"),
                "(1, b'abc', b'b')"
            );
            fails(
                py,
                "b.resize(1000)",
                "BufferError",
                "Existing exports of data: object cannot be re-sized",
            );
            let old = py.eval("old").unwrap();
            let buf = old.read_buffer().unwrap();
            assert_eq!(buf.kind(), BufferKind::Pinned);
            // The borrow holds an export of the view: it cannot be released
            // meanwhile.
            fails(
                py,
                "old.release()",
                "BufferError",
                "memoryview has 1 exported buffer",
            );
            run(py, "b.fill(ord('z'))");
            assert_eq!(buf.to_vec().unwrap(), b"zzz");
            assert_eq!(buf.with_bytes(|bytes| bytes.to_vec()).unwrap(), b"zzz");
            drop(buf);
            // The view released, its slice still holds the export; both
            // gone, the memory is resized, and a new view sees it.
            run(py, "old.release()");
            assert_eq!(repr(py, "b.exports()"), "1");
            run(py, "del old, part");
            drop(old);
            assert_eq!(repr(py, "b.exports()"), "0");
            run(py, "b.resize(1000)\nb.fill(ord('q'))\nm = memoryview(b)");
            assert_eq!(
                repr(py, "b.exports(), len(m), m[:4].tobytes()"),
                "(1, 1000, b'qqqq')"
            );
            run(py, "del m");
            assert_eq!(repr(py, "b.exports(), b.resize(1)"), "(0, 1)");
        } else {
            run(py, "b = tt.Buf(3)\nold = buffer(b)\npart = buffer(b, 1, 1)");
            // The old protocol counts nothing: resizing is allowed, and the
            // buffer object asks again on each access.
            assert_eq!(
                repr(py, "b.exports(), str(old), str(part)"),
                "(0, 'abc', 'b')"
            );
            run(py, "b.resize(1000)\nb.fill(ord('q'))");
            assert_eq!(
                repr(py, "len(old), str(old)[:4], str(part)"),
                "(1000, 'qqqq', 'q')"
            );
            run(py, "b.resize(1)");
            assert_eq!(repr(py, "len(old), str(old), str(part)"), "(1, 'q', '')");
            // legacy-buffer borrows a buffer object over one Unpinned (its base
            // may move), asked again after Python resized it.
            let old = py.eval("old").unwrap();
            let buf = old.read_buffer().unwrap();
            assert_eq!(buf.kind(), BufferKind::Unpinned);
            assert_eq!(repr(py, "b.exports()"), "0");
            run(py, "b.resize(3)\nb.fill(ord('z'))");
            assert_eq!(buf.to_vec().unwrap(), b"zzz");
            assert_eq!(buf.with_bytes(|bytes| bytes.to_vec()).unwrap(), b"zzz");
        }
    })
}

#[test]
fn legacy_buffer_borrows_pin_them_like_a_bytearray() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        let b = py.eval("tt.Buf(3)").unwrap();
        run(py, "b = None");
        let buf = b.read_buffer().unwrap();
        assert_eq!(buf.kind(), BufferKind::Pinned);
        assert_eq!(buf.len(), 3);
        let inst = Instance::<Buf>::downcast(&b).unwrap();
        assert_eq!(inst.exports(), 1);
        assert_eq!(
            inst.resize_bytes(10).unwrap_err().type_name(),
            "BufferError"
        );
        let cells = buf.as_cells().unwrap();
        let seen: Vec<u8> = cells.iter().map(|c| c.get()).collect();
        assert_eq!(seen, b"abc");
        let w = b.write_buffer().unwrap();
        assert_eq!(w.kind(), BufferKind::Pinned);
        assert_eq!(inst.exports(), 2);
        w.as_write_cells().unwrap()[0].set(b'W');
        assert_eq!(cells[0].get(), b'W');
        drop(w);
        assert_eq!(buf.to_vec().unwrap(), b"Wbc");
        // char buffer too.
        let c = b.char_buffer().unwrap();
        assert_eq!(c.kind(), BufferKind::Pinned);
        assert_eq!(inst.exports(), 2);
        drop(c);
        drop(buf);
        assert_eq!(inst.exports(), 0);
        inst.resize_bytes(5).unwrap();
        assert_eq!(b.read_buffer().unwrap().to_vec().unwrap(), b"Wbc\0\0");
        // A Python subclass's objects are pinned the same way.
        let sub = py.eval("type('BufSub', (tt.Buf,), {})(2)").unwrap();
        let pinned = sub.write_buffer().unwrap();
        assert_eq!(pinned.kind(), BufferKind::Pinned);
        assert_eq!(Instance::<Buf>::downcast(&sub).unwrap().exports(), 1);
        drop(pinned);
        assert_eq!(Instance::<Buf>::downcast(&sub).unwrap().exports(), 0);
        // Pinned across Python code run by a method: Python's resize
        // refused, its writes seen, the pointer unmoved.
        run(py, "b = tt.Buf(4)\ndef cb():\n    try:\n        b.resize(100)\n    except BufferError as e:\n        m = memoryview(b)\n        m[3:4] = b'!'\n        return str(e)");
        assert_eq!(
            repr(py, "b.pinned_across(cb), b.exports()"),
            format!(
                "(({}, 'Existing exports of data: object cannot be re-sized'), 0)",
                bytes_lit("'abc!'")
            )
        );
        assert!(no_exception_set(py));
    })
}

#[test]
fn no_python_scopes_over_the_memory() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        run(py, "b = tt.Buf(4)\nb.fill(7)");
        assert_eq!(repr(py, "b.sum(), b.exports()"), "(28, 0)");
        // One object lent twice to one scope, once writable: refused.
        let e = py.run("b.lend_twice()").unwrap_err();
        assert_eq!(e.type_name(), "BufferError");
        assert!(e.message().contains("share memory"), "{e}");
        assert_eq!(repr(py, "b.exports()"), "0");
        // From Rust, the same object as two handles.
        let o = py.eval("b").unwrap();
        let same = o.clone_ref();
        let a = Instance::<Buf>::downcast(&o).unwrap();
        let (w, r) = (o.write_buffer().unwrap(), same.read_buffer().unwrap());
        let e = no_python((BytesMut(&w), Bytes(&r)), |_| ()).unwrap_err();
        assert_eq!(e.type_name(), "BufferError");
        // Two shared slices of it are fine.
        let n = no_python((Bytes(&w), Bytes(&r)), |(x, y)| x.len() + y.len()).unwrap();
        assert_eq!(n, 8);
        assert_eq!(a.exports(), 2);
        // with_bytes_mut while the object is pinned elsewhere: the pin is
        // cells only (nothing to alias), so it works and is seen.
        a.with_bytes_mut(|bytes| bytes[0] = 1).unwrap();
        assert_eq!(r.as_cells().unwrap()[0].get(), 1);
        drop((w, r));
        assert_eq!(a.exports(), 0);
        // Read-only exporters: no writable scope, no writable view.
        run(py, "import struct\nro = tt.RoBuf(3)");
        fails(
            py,
            "ro.fill(1)",
            "TypeError",
            "expected a writeable buffer object",
        );
        assert_eq!(repr(py, "ro.sum(), ro.exports()"), "(342, 0)");
        assert_eq!(
            repr(py, "memoryview(ro).readonly, ro.exports()"),
            "(True, 0)"
        );
        fails(
            py,
            by_line("memoryview(ro)[0] = 'x'", "memoryview(ro)[0] = ord('x')"),
            "TypeError",
            "cannot modify read-only memory",
        );
        // PyObject_GetBuffer refusing a writable view counts nothing.
        let e = py
            .run("import io\nio.BytesIO(b'xyz').readinto(ro)")
            .unwrap_err();
        assert_eq!(e.type_name(), "TypeError", "{e}");
        fails(
            py,
            "struct.pack_into('B', ro, 0, 1)",
            "TypeError",
            by_line(
                "argument must be read-write buffer, not types_test.RoBuf",
                "argument must be read-write bytes-like object, not types_test.RoBuf",
            ),
        );
        assert_eq!(
            repr(py, &format!("ro.exports(), {}", contents("ro"))),
            format!("(0, {})", bytes_lit("'rrr'"))
        );
        let ro = py.eval("ro").unwrap();
        assert_eq!(ro.write_buffer().unwrap_err().type_name(), "TypeError");
        let rb = ro.read_buffer().unwrap();
        assert_eq!(rb.kind(), BufferKind::Pinned);
        assert!(!rb.is_writable());
        drop(rb);
        assert_eq!(repr(py, "ro.exports()"), "0");
        assert!(no_exception_set(py));
    })
}
