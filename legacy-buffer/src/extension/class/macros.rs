//! [`py_class!`](crate::py_class): a type declared once, its methods and
//! slots plain Rust functions.

/// An extension type whose objects hold a value of a Rust struct, with no
/// `unsafe` in the port: writes the struct's [`PyClass`] impl, its
/// [`TypeObject`] (made when the module is imported, or on first use),
/// the method table and the slots, each entry running through a
/// trampoline as module functions do (errors raised, panics
/// `SystemError`, whatever the slot's C return type).
///
/// [`PyClass`]: crate::extension::PyClass
/// [`TypeObject`]: crate::extension::TypeObject
///
/// ```
/// use legacy_buffer::extension::{Args, CompareOp, Instance, New};
/// use legacy_buffer::{py_class, py_format, py_module, with_gil, Borrowed, Object, Python, Result};
///
/// /// A counter that exports its bytes.
/// pub struct Counter {
///     count: u64,
/// }
///
/// impl Counter {
///     fn new(_py: Python<'_>, args: Args<'_, '_>) -> Result<New<Counter>> {
///         let (size,): (Option<isize>,) = args.parse(py_format!("|n:Counter"))?;
///         let size = size.unwrap_or(0).max(0) as usize;
///         Ok(New::with_bytes(Counter { count: 0 }, vec![0; size]))
///     }
///     // `&mut self` methods hold the value borrowed for the call.
///     fn bump(&mut self, _py: Python<'_>) -> Result<u64> {
///         self.count += 1;
///         Ok(self.count)
///     }
///     // `this` methods borrow what they need, when they need it.
///     fn grow(_py: Python<'_>, this: Instance<'_, '_, Counter>, args: Args<'_, '_>) -> Result<()> {
///         let (by,): (isize,) = args.parse(py_format!("n:grow"))?;
///         this.resize_bytes(this.bytes_len() + by.max(0) as usize)
///     }
///     fn repr(_py: Python<'_>, this: Instance<'_, '_, Counter>) -> Result<String> {
///         Ok(format!("Counter({}, {} bytes)", this.borrow()?.count, this.bytes_len()))
///     }
///     fn len(_py: Python<'_>, this: Instance<'_, '_, Counter>) -> Result<usize> {
///         Ok(this.bytes_len())
///     }
///     fn count(_py: Python<'_>, this: Instance<'_, '_, Counter>) -> Result<u64> {
///         Ok(this.borrow()?.count)
///     }
///     fn set_count(_py: Python<'_>, this: Instance<'_, '_, Counter>, value: Option<Borrowed<'_, '_>>) -> Result<()> {
///         let Some(value) = value else {
///             return Err(legacy_buffer::Error::new(legacy_buffer::ExceptionType::TypeError, "cannot delete count"));
///         };
///         this.borrow_mut()?.count = value.to_long_long()? as u64;
///         Ok(())
///     }
/// }
///
/// py_class! {
///     class Counter as "demo.Counter" {
///         doc: "Counter(size=0)",
///         features: [subclassable, weakrefs, exports, unhashable],
///         new: Counter::new,
///         methods: {
///             bump(&mut self) => Counter::bump, "bump() -> int";
///             grow(this, args) => Counter::grow;
///         }
///         properties: {
///             count(get => Counter::count, set => Counter::set_count), "bumps so far";
///         }
///         slots: {
///             __repr__ => Counter::repr;
///             __len__ => Counter::len;
///         }
///     }
/// }
///
/// py_module! {
///     module demo {
///         functions: {}
///         types: { Counter }
///     }
/// }
///
/// # fn main() -> Result<()> {
/// demo::init();
/// with_gil(|py| -> Result<()> {
///     py.run(r#"
/// import demo
/// c = demo.Counter(3)
/// assert c.bump() == 1 and c.bump() == 2
/// assert repr(c) == 'Counter(2, 3 bytes)' and len(c) == 3
/// m = memoryview(c)             # an export: resizing is refused
/// m[0:1] = b'x'
/// assert m.tobytes() == b'x\0\0'
/// try:
///     c.grow(1)
///     raise AssertionError('resized while exported')
/// except BufferError as e:
///     assert 'cannot be re-sized' in str(e)
/// del m
/// c.grow(1)
/// assert len(c) == 4
/// class Sub(demo.Counter): pass
/// assert Sub(1).bump() == 1
/// c.count = 40
/// assert c.bump() == 41 and type(c).count.__doc__ == 'bumps so far'
/// "#)?;
///     Ok(())
/// })
/// # }
/// ```
///
/// Call it at module level. `class Struct as "package.module.Name"`, then
/// in this order, each optional:
///
/// - `doc: "..."`: the type's docstring.
/// - `features: [...]`: `subclassable` (Python may subclass it),
///   `weakrefs`, `dict` (an instance `__dict__`), `exports` (it exports
///   memory through both buffer protocols: see
///   [`Instance`](crate::extension::Instance)), `readonly_exports`,
///   `unhashable` (`__hash__` is `None`), `inherited_getattr` (no
///   `__getattribute__` in the type's own `__dict__`, as C types that leave
///   `tp_getattro` 0; attribute lookup is the same).
/// - `gc: { traverse: path, clear: path }`: the value holds Python objects
///   ([`ObjectRef`](crate::ObjectRef)s): `traverse(&self, &mut Visit)`
///   reports each, `clear(&mut self)` drops them.
/// - `new: path`: `__new__`, `fn(Python, Args) -> Result<Struct>` (or
///   `Result<New<Struct>>`, with the bytes it exports); or `new(cls): path`,
///   `fn(Python, Class<Struct>, Args) -> Result<Object>`, which makes the
///   object itself with [`Class::create`](crate::extension::Class::create)
///   (of the class asked for: a Python subclass's, maybe), as a C `tp_new`
///   does, and may go on to work on it. Without either, Python code cannot
///   make objects of the type; Rust makes them with
///   [`Instance::create`](crate::extension::Instance::create).
/// - `methods: { name(receiver, arguments) => path, "doc"; ... }`: the
///   receiver is `this` (the body gets `(Python, Instance<Struct>, ...)`
///   and borrows the value itself), `&self` or `&mut self` (the body is a
///   method `(&self, Python, ...)`; the value is borrowed for the call, so
///   re-entering the object meanwhile raises `RuntimeError`), `static`
///   (no `self`: `(Python, ...)`), or `class` (`METH_CLASS`, written
///   `name(class, args, kwargs)`, keywords in the `Args`, or
///   `name(class, args)`, which refuses keywords as a C `METH_VARARGS`
///   method does: the body gets `(Python, Borrowed class, Args)`, the
///   class it was called on); the arguments
///   are none (`METH_NOARGS`),
///   `arg` (`METH_O`: a `Borrowed`), `args` (`METH_VARARGS`: an `Args`) or
///   `args, kwargs` (`METH_VARARGS | METH_KEYWORDS`).
/// - `properties: { name(get => path, set => path), "doc"; ... }`:
///   attributes computed by `get`, `(Python, Instance<Struct>) ->
///   Result<T>`, and assigned (`Some(value)`) or deleted (`None`) by the
///   optional `set`, `(Python, Instance<Struct>, Option<Borrowed>) ->
///   Result<()>` (without one, assigning raises `AttributeError`): C's
///   `tp_getset` (and, for a value's fields, what `tp_members` gives).
/// - `slots: { __repr__ => path; ... }`: each body takes
///   `(Python, Instance<Struct>, ...)`: `__repr__`, `__str__`, `__iter__`,
///   `__invert__`, `__index__` (→ object); `next` (→ `Option`: `None`
///   ends the iteration); `__hash__` (→ `isize`); `__richcmp__` (other,
///   [`CompareOp`](crate::extension::CompareOp)); `__len__` (→ `usize`);
///   `__nonzero__` (→ `bool`); `__contains__` (item → `bool`);
///   `__getitem__` (key: the mapping slot, slices included); `__setitem__`
///   (key, `Option` value: `None` deletes); `sq_item` (`isize`),
///   `sq_ass_item` (`isize`, `Option` value); `__add__`, `__iadd__` (sequence
///   concatenation); `__mul__`, `__imul__` (repetition, `isize`);
///   `__iand__`, `__ior__`, `__ixor__`, `__ilshift__`, `__irshift__`
///   (other); `__call__` (`Args`); `__init__` (`Args` → `()`: C's
///   `tp_init`, run by `Type(...)` after `new`, and again by any explicit
///   `obj.__init__(...)`, so the value it finds may be in use). The binary operators `__and__`,
///   `__or__`, `__xor__`, `__lshift__`, `__rshift__` take both operands,
///   `(Python, Borrowed, Borrowed)`, either of which may be the instance.
///
/// Bodies return `Result<T>` for any
/// [`IntoPyObject`](crate::extension::IntoPyObject) `T` where an object is
/// returned.
#[macro_export]
macro_rules! py_class {
    (
        $(#[$meta:meta])*
        class $ty:ident as $name:literal {
            $( doc: $doc:expr, )?
            $( features: [ $($feature:ident),* $(,)? ], )?
            $( gc: { traverse: $traverse:path, clear: $clear:path $(,)? }, )?
            $( new: $new:path, )?
            $( new(cls): $new_in:path, )?
            $( methods: {
                $( $mname:ident ( $($sig:tt)* ) => $mbody:path $(, $mdoc:expr)? ; )*
            } )?
            $( properties: {
                $( $pname:ident ( get => $pget:path $(, set => $pset:path)? ) $(, $pdoc:expr)? ; )*
            } )?
            $( slots: {
                $( $sname:ident => $sbody:path ; )*
            } )?
        }
    ) => {
        impl $crate::extension::PyClass for $ty {
            fn type_object() -> &'static $crate::extension::TypeObject {
                static METHODS: $crate::extension::MethodTable<
                    { 1 $($( + { let _ = ::std::stringify!($mname); 1 } )*)? }
                > = $crate::extension::MethodTable::new([
                    $($( $crate::__py_class_method!($ty, $mname ($($sig)*) => $mbody $(, $mdoc)?), )*)?
                    $crate::extension::Method::END,
                ]);
                static SLOTS: $crate::extension::SlotTable<
                    { 2 $( + { let _ = ::std::stringify!($new); 1 } )?
                        $( + { let _ = ::std::stringify!($new_in); 1 } )?
                        $( + { let _ = ::std::stringify!($traverse); 2 } )?
                        $($( + { let _ = ::std::stringify!($sname); 1 } )*)? }
                > = $crate::extension::SlotTable::new([
                    $crate::extension::Slot::dealloc::<$ty>(),
                    $( $crate::extension::Slot::new::<$ty, _>({
                        fn __legacy_buffer_new<'a, 'py>(
                            py: $crate::Python<'py>,
                            args: $crate::extension::Args<'a, 'py>,
                        ) -> $crate::Result<$crate::extension::New<$ty>> {
                            $new(py, args).map(::std::convert::Into::into)
                        }
                        __legacy_buffer_new
                    }), )?
                    $( $crate::extension::Slot::new_in::<$ty, _>({
                        fn __legacy_buffer_new<'a, 'py>(
                            py: $crate::Python<'py>,
                            cls: $crate::extension::Class<'a, 'py, $ty>,
                            args: $crate::extension::Args<'a, 'py>,
                        ) -> $crate::Result<$crate::Object<'py>> {
                            $new_in(py, cls, args)
                        }
                        __legacy_buffer_new
                    }), )?
                    $(
                        { let _ = ::std::stringify!($traverse); $crate::extension::Slot::traverse::<$ty>() },
                        $crate::extension::Slot::clear::<$ty>(),
                    )?
                    $($( $crate::__py_class_slot!($ty, $sname => $sbody), )*)?
                    $crate::extension::Slot::END,
                ]);
                static PROPERTIES: $crate::extension::PropertyTable<
                    { 1 $($( + { let _ = ::std::stringify!($pname); 1 } )*)? }
                > = $crate::extension::PropertyTable::new([
                    $($( $crate::__py_class_property!($ty, $pname, $pget $(, $pset)?; $($pdoc)?), )*)?
                    $crate::extension::Property::END,
                ]);
                static TYPE: $crate::extension::TypeObject = $crate::extension::TypeObject::with_properties::<$ty, _, _, _>(
                    $crate::__cstr!($name),
                    $crate::__py_doc!($($doc)?),
                    {
                        // Each feature sets its field: `readonly_exports`
                        // is no field of its own (it is `exports`, read-only).
                        #[allow(unused_mut)]
                        let mut features = $crate::extension::Features::NONE;
                        $( features.gc = { let _ = ::std::stringify!($traverse); true }; )?
                        $($( $crate::__py_class_feature!(features, $feature); )*)?
                        features
                    },
                    &METHODS,
                    &PROPERTIES,
                    &SLOTS,
                );
                &TYPE
            }
            $(
                fn traverse(
                    &self,
                    visit: &mut $crate::extension::Visit<'_>,
                ) -> ::std::result::Result<(), $crate::extension::Stop> {
                    $traverse(self, visit)
                }
                fn clear(&mut self) {
                    $clear(self)
                }
            )?
        }
    };
}

/// One feature of [`py_class!`](crate::py_class): its field of
/// [`Features`](crate::extension::Features) set.
#[doc(hidden)]
#[macro_export]
macro_rules! __py_class_feature {
    ($features:ident, subclassable) => {
        $features.subclassable = true
    };
    ($features:ident, weakrefs) => {
        $features.weakrefs = true
    };
    ($features:ident, dict) => {
        $features.dict = true
    };
    ($features:ident, unhashable) => {
        $features.unhashable = true
    };
    ($features:ident, inherited_getattr) => {
        $features.inherited_getattr = true
    };
    ($features:ident, exports) => {
        $features.exports = ::std::option::Option::Some(true)
    };
    ($features:ident, readonly_exports) => {
        $features.exports = ::std::option::Option::Some(false)
    };
}

/// One method of [`py_class!`](crate::py_class).
#[doc(hidden)]
#[macro_export]
macro_rules! __py_class_method {
    // -- the receiver adapted: `this`, `&self`, `&mut self`, `static`.
    (@body $ty:ident, this, $py:ident, $this:ident, $body:path, ($($arg:expr),*)) => {
        $crate::extension::IntoPyResult::into_py_result($body($py, $this $(, $arg)*), $py)
    };
    (@body $ty:ident, &self, $py:ident, $this:ident, $body:path, ($($arg:expr),*)) => {{
        let value = $this.borrow()?;
        $crate::extension::IntoPyResult::into_py_result($body(&*value, $py $(, $arg)*), $py)
    }};
    (@body $ty:ident, &mut self, $py:ident, $this:ident, $body:path, ($($arg:expr),*)) => {{
        let mut value = $this.borrow_mut()?;
        $crate::extension::IntoPyResult::into_py_result($body(&mut *value, $py $(, $arg)*), $py)
    }};
    // -- class methods: the class and the arguments (`kwargs`: keywords
    // included; without, Python refuses them, as for METH_VARARGS).
    (@class $ctor:ident, $name:ident => $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::$ctor(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    cls: $crate::Borrowed<'a, 'py>,
                    args: $crate::extension::Args<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::extension::IntoPyResult::into_py_result($body(py, cls, args), py)
                }
                __legacy_buffer_body
            },
        )
    };
    ($ty:ident, $name:ident (class, args, kwargs) => $body:path $(, $doc:expr)?) => {
        $crate::__py_class_method!(@class class_method, $name => $body $(, $doc)?)
    };
    ($ty:ident, $name:ident (class, args) => $body:path $(, $doc:expr)?) => {
        $crate::__py_class_method!(@class class_method_positional, $name => $body $(, $doc)?)
    };
    // -- static methods: module functions, flagged.
    ($ty:ident, $name:ident (static $($sig:ident),*) => $body:path $(, $doc:expr)?) => {
        $crate::__py_method!($name ($($sig),*) => $body $(, $doc)?).static_method()
    };
    ($ty:ident, $name:ident (static) => $body:path $(, $doc:expr)?) => {
        $crate::__py_method!($name () => $body $(, $doc)?).static_method()
    };
    // -- the receiver's forms: `this`, or `&self`/`&mut self` as tokens.
    ($ty:ident, $name:ident (this $(, $($sig:ident),*)?) => $body:path $(, $doc:expr)?) => {
        $crate::__py_class_method!(@entry $ty, $name, [this], ($($($sig),*)?), $body $(, $doc)?)
    };
    ($ty:ident, $name:ident (&self $(, $($sig:ident),*)?) => $body:path $(, $doc:expr)?) => {
        $crate::__py_class_method!(@entry $ty, $name, [&self], ($($($sig),*)?), $body $(, $doc)?)
    };
    ($ty:ident, $name:ident (&mut self $(, $($sig:ident),*)?) => $body:path $(, $doc:expr)?) => {
        $crate::__py_class_method!(@entry $ty, $name, [&mut self], ($($($sig),*)?), $body $(, $doc)?)
    };
    // -- the entry, by argument form.
    (@entry $ty:ident, $name:ident, [$($recv:tt)*], (), $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::noargs_of::<$ty, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    this: $crate::extension::Instance<'a, 'py, $ty>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::__py_class_method!(@body $ty, $($recv)*, py, this, $body, ())
                }
                __legacy_buffer_body
            },
        )
    };
    (@entry $ty:ident, $name:ident, [$($recv:tt)*], (arg), $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::object_of::<$ty, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    this: $crate::extension::Instance<'a, 'py, $ty>,
                    arg: $crate::Borrowed<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::__py_class_method!(@body $ty, $($recv)*, py, this, $body, (arg))
                }
                __legacy_buffer_body
            },
        )
    };
    (@entry $ty:ident, $name:ident, [$($recv:tt)*], (args), $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::varargs_of::<$ty, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    this: $crate::extension::Instance<'a, 'py, $ty>,
                    args: $crate::extension::Args<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::__py_class_method!(@body $ty, $($recv)*, py, this, $body, (args))
                }
                __legacy_buffer_body
            },
        )
    };
    (@entry $ty:ident, $name:ident, [$($recv:tt)*], (args, kwargs), $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::keywords_of::<$ty, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    this: $crate::extension::Instance<'a, 'py, $ty>,
                    args: $crate::extension::Args<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::__py_class_method!(@body $ty, $($recv)*, py, this, $body, (args))
                }
                __legacy_buffer_body
            },
        )
    };
}

/// One slot of [`py_class!`](crate::py_class).
#[doc(hidden)]
#[macro_export]
macro_rules! __py_class_slot {
    (@object $ctor:ident, $ty:ident, $body:path) => {
        $crate::extension::Slot::$ctor::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, this), py)
            }
            __legacy_buffer_slot
        })
    };
    (@other $ctor:ident, $ty:ident, $body:path) => {
        $crate::extension::Slot::$ctor::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
                other: $crate::Borrowed<'a, 'py>,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, this, other), py)
            }
            __legacy_buffer_slot
        })
    };
    (@index $ctor:ident, $ty:ident, $body:path) => {
        $crate::extension::Slot::$ctor::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
                index: isize,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, this, index), py)
            }
            __legacy_buffer_slot
        })
    };
    (@binary $ctor:ident, $body:path) => {
        $crate::extension::Slot::$ctor({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                a: $crate::Borrowed<'a, 'py>,
                b: $crate::Borrowed<'a, 'py>,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, a, b), py)
            }
            __legacy_buffer_slot
        })
    };
    ($ty:ident, __repr__ => $body:path) => { $crate::__py_class_slot!(@object repr, $ty, $body) };
    ($ty:ident, __str__ => $body:path) => { $crate::__py_class_slot!(@object str, $ty, $body) };
    ($ty:ident, __iter__ => $body:path) => { $crate::__py_class_slot!(@object iter, $ty, $body) };
    ($ty:ident, __invert__ => $body:path) => { $crate::__py_class_slot!(@object invert, $ty, $body) };
    ($ty:ident, __index__ => $body:path) => { $crate::__py_class_slot!(@object index, $ty, $body) };
    ($ty:ident, __getitem__ => $body:path) => { $crate::__py_class_slot!(@other subscript, $ty, $body) };
    ($ty:ident, __add__ => $body:path) => { $crate::__py_class_slot!(@other concat, $ty, $body) };
    ($ty:ident, __iadd__ => $body:path) => { $crate::__py_class_slot!(@other inplace_concat, $ty, $body) };
    ($ty:ident, __iand__ => $body:path) => { $crate::__py_class_slot!(@other inplace_and, $ty, $body) };
    ($ty:ident, __ior__ => $body:path) => { $crate::__py_class_slot!(@other inplace_or, $ty, $body) };
    ($ty:ident, __ixor__ => $body:path) => { $crate::__py_class_slot!(@other inplace_xor, $ty, $body) };
    ($ty:ident, __ilshift__ => $body:path) => { $crate::__py_class_slot!(@other inplace_lshift, $ty, $body) };
    ($ty:ident, __irshift__ => $body:path) => { $crate::__py_class_slot!(@other inplace_rshift, $ty, $body) };
    ($ty:ident, sq_item => $body:path) => { $crate::__py_class_slot!(@index item, $ty, $body) };
    ($ty:ident, __mul__ => $body:path) => { $crate::__py_class_slot!(@index repeat, $ty, $body) };
    ($ty:ident, __imul__ => $body:path) => { $crate::__py_class_slot!(@index inplace_repeat, $ty, $body) };
    ($ty:ident, __and__ => $body:path) => { $crate::__py_class_slot!(@binary and, $body) };
    ($ty:ident, __or__ => $body:path) => { $crate::__py_class_slot!(@binary or, $body) };
    ($ty:ident, __xor__ => $body:path) => { $crate::__py_class_slot!(@binary xor, $body) };
    ($ty:ident, __lshift__ => $body:path) => { $crate::__py_class_slot!(@binary lshift, $body) };
    ($ty:ident, __rshift__ => $body:path) => { $crate::__py_class_slot!(@binary rshift, $body) };
    ($ty:ident, next => $body:path) => {
        $crate::extension::Slot::next::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
            ) -> $crate::Result<::std::option::Option<$crate::Object<'py>>> {
                match $body(py, this)? {
                    ::std::option::Option::Some(item) => ::std::result::Result::Ok(
                        ::std::option::Option::Some($crate::extension::IntoPyObject::into_object(item, py)?),
                    ),
                    ::std::option::Option::None => ::std::result::Result::Ok(::std::option::Option::None),
                }
            }
            __legacy_buffer_slot
        })
    };
    ($ty:ident, __richcmp__ => $body:path) => {
        $crate::extension::Slot::richcompare::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
                other: $crate::Borrowed<'a, 'py>,
                op: $crate::extension::CompareOp,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, this, other, op), py)
            }
            __legacy_buffer_slot
        })
    };
    ($ty:ident, __call__ => $body:path) => {
        $crate::extension::Slot::call::<$ty, _>({
            fn __legacy_buffer_slot<'a, 'py>(
                py: $crate::Python<'py>,
                this: $crate::extension::Instance<'a, 'py, $ty>,
                args: $crate::extension::Args<'a, 'py>,
            ) -> $crate::Result<$crate::Object<'py>> {
                $crate::extension::IntoPyResult::into_py_result($body(py, this, args), py)
            }
            __legacy_buffer_slot
        })
    };
    ($ty:ident, __init__ => $body:path) => { $crate::extension::Slot::init::<$ty, _>($body) };
    ($ty:ident, __hash__ => $body:path) => { $crate::extension::Slot::hash::<$ty, _>($body) };
    ($ty:ident, __len__ => $body:path) => { $crate::extension::Slot::len::<$ty, _>($body) };
    ($ty:ident, __nonzero__ => $body:path) => { $crate::extension::Slot::nonzero::<$ty, _>($body) };
    ($ty:ident, __contains__ => $body:path) => { $crate::extension::Slot::contains::<$ty, _>($body) };
    ($ty:ident, __setitem__ => $body:path) => { $crate::extension::Slot::set_subscript::<$ty, _>($body) };
    ($ty:ident, sq_ass_item => $body:path) => { $crate::extension::Slot::set_item::<$ty, _>($body) };
}

/// One property of [`py_class!`](crate::py_class).
#[doc(hidden)]
#[macro_export]
macro_rules! __py_class_property {
    (@get $ty:ident, $get:path) => {{
        fn __legacy_buffer_get<'a, 'py>(
            py: $crate::Python<'py>,
            this: $crate::extension::Instance<'a, 'py, $ty>,
        ) -> $crate::Result<$crate::Object<'py>> {
            $crate::extension::IntoPyResult::into_py_result($get(py, this), py)
        }
        __legacy_buffer_get
    }};
    ($ty:ident, $name:ident, $get:path; $($doc:expr)?) => {
        $crate::extension::Property::read_only::<$ty, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            $crate::__py_class_property!(@get $ty, $get),
        )
    };
    ($ty:ident, $name:ident, $get:path, $set:path; $($doc:expr)?) => {
        $crate::extension::Property::read_write::<$ty, _, _>(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            $crate::__py_class_property!(@get $ty, $get),
            $set,
        )
    };
}
