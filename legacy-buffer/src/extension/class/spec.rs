//! What defines a type: the [`PyClass`] trait a Rust struct implements (by
//! way of [`py_class!`](crate::py_class)), and its [`TypeObject`], the type
//! Python sees, made once from a spec on first use.

use crate::error::{Error, Result};
use crate::extension::module::MethodTable;
use crate::gil::Python;
use crate::object::Borrowed;
use legacy_buffer_sys as ffi;
use std::cell::UnsafeCell;
use std::ffi::CStr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A Rust struct that is the value of a Python type's objects. Implemented
/// by [`py_class!`](crate::py_class), which also writes the type's
/// [`TypeObject`]; a type holding Python objects says how the garbage
/// collector reaches them with [`traverse`](PyClass::traverse) and
/// [`clear`](PyClass::clear) (and asks for `gc` in the macro).
pub trait PyClass: Sized + 'static {
    /// The type's object (a static the macro writes).
    fn type_object() -> &'static TypeObject;

    /// Visit each Python object the value holds (`tp_traverse`). Not called
    /// while the value is borrowed mutably (the collector then sees fewer
    /// references, which only keeps objects alive).
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        let _ = visit;
        Ok(())
    }

    /// Drop the Python objects the value holds, to break a reference cycle
    /// (`tp_clear`). Not called while the value is borrowed at all.
    fn clear(&mut self) {}
}

/// What [`PyClass::traverse`] gets: call [`visit`](Visit::visit) on each
/// object held, and pass its `Err` on with `?`.
pub struct Visit<'v> {
    pub(crate) visit: ffi::visitproc,
    pub(crate) arg: *mut libc::c_void,
    pub(crate) _life: std::marker::PhantomData<&'v ()>,
}

/// The collector asked to stop visiting (a `visitproc` returned non-zero).
#[derive(Debug)]
pub struct Stop(pub(crate) libc::c_int);

impl Visit<'_> {
    /// Report one object the value holds.
    pub fn visit(&mut self, object: &crate::object::ObjectRef) -> std::result::Result<(), Stop> {
        let Some(visit) = self.visit else {
            return Ok(());
        };
        // SAFETY: the collector's visitproc, called with an object the value
        // holds a reference to, and the collector's own argument.
        let rc = unsafe { visit(object.as_ptr(), self.arg) };
        if rc == 0 {
            Ok(())
        } else {
            Err(Stop(rc))
        }
    }
}

/// The comparison a rich comparison asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    pub(crate) fn from_c(op: libc::c_int) -> Option<CompareOp> {
        Some(match op as u32 {
            ffi::Py_LT => CompareOp::Lt,
            ffi::Py_LE => CompareOp::Le,
            ffi::Py_EQ => CompareOp::Eq,
            ffi::Py_NE => CompareOp::Ne,
            ffi::Py_GT => CompareOp::Gt,
            ffi::Py_GE => CompareOp::Ge,
            _ => return None,
        })
    }

    /// Whether `ordering` satisfies the comparison.
    pub fn matches(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::Lt => ordering == Less,
            CompareOp::Le => ordering != Greater,
            CompareOp::Eq => ordering == Equal,
            CompareOp::Ne => ordering != Equal,
            CompareOp::Gt => ordering == Greater,
            CompareOp::Ge => ordering != Less,
        }
    }
}

/// One slot of a type (`tp_repr`, `sq_item`, `nb_and`, ...): its number
/// and C function, made by the constructors of the slots' entry points.
#[derive(Clone, Copy)]
pub struct Slot(pub(crate) ffi::lbsys_slot);

impl Slot {
    /// The entry that ends a table.
    pub const END: Slot = Slot(ffi::lbsys_slot {
        slot: ffi::LBSYS_SLOT_END as libc::c_int,
        pfunc: std::ptr::null_mut(),
    });
}

/// A type's slot table, ended by [`Slot::END`]: a static only C reads.
pub struct SlotTable<const N: usize>(UnsafeCell<[ffi::lbsys_slot; N]>);

// SAFETY: nothing writes the table after it is made; C reads it once, with
// the GIL held, when the type is made.
unsafe impl<const N: usize> Sync for SlotTable<N> {}

impl<const N: usize> SlotTable<N> {
    /// The table.
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) Unless it ends with
    /// [`Slot::END`], once.
    pub const fn new(slots: [Slot; N]) -> SlotTable<N> {
        let mut table = [Slot::END.0; N];
        let mut i = 0;
        while i < N {
            let end = slots[i].0.slot == ffi::LBSYS_SLOT_END as libc::c_int;
            assert!(
                end == (i + 1 == N),
                "the slots must end with Slot::END, once"
            );
            table[i] = slots[i].0;
            i += 1;
        }
        SlotTable(UnsafeCell::new(table))
    }
}

/// What a type asks for besides its slots and methods.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Features {
    /// Python code may subclass it (`Py_TPFLAGS_BASETYPE`).
    pub subclassable: bool,
    /// Its values hold Python objects: `tp_traverse`/`tp_clear` from
    /// [`PyClass`], `Py_TPFLAGS_HAVE_GC`.
    pub gc: bool,
    /// Weak references to its objects (`tp_weaklistoffset`).
    pub weakrefs: bool,
    /// An instance `__dict__` (`tp_dictoffset`).
    pub dict: bool,
    /// It exports memory through both buffer protocols (see
    /// [`Instance`](super::Instance)): `Some(true)` writable,
    /// `Some(false)` read-only.
    pub exports: Option<bool>,
    /// `__hash__` is `None` (`PyObject_HashNotImplemented`): for mutable
    /// types that compare by value.
    pub unhashable: bool,
    /// `tp_getattro` is left to be inherited from `object`, as C types
    /// that leave the slot 0 do: the type has no `__getattribute__` of its
    /// own in its `__dict__`. (Otherwise it is `PyObject_GenericGetAttr`,
    /// as C types that name it write it; attribute lookup is the same.)
    pub inherited_getattr: bool,
}

impl Features {
    /// Nothing asked for.
    pub const NONE: Features = Features {
        subclassable: false,
        gc: false,
        weakrefs: false,
        dict: false,
        exports: None,
        unhashable: false,
        inherited_getattr: false,
    };

    const fn flags(self) -> libc::c_int {
        let mut flags = 0;
        if self.subclassable {
            flags |= ffi::LBSYS_BASETYPE;
        }
        if self.gc {
            flags |= ffi::LBSYS_GC;
        }
        if self.weakrefs {
            flags |= ffi::LBSYS_WEAKREFS;
        }
        if self.dict {
            flags |= ffi::LBSYS_DICT;
        }
        match self.exports {
            Some(true) => flags |= ffi::LBSYS_EXPORTS,
            Some(false) => flags |= ffi::LBSYS_EXPORTS | ffi::LBSYS_READONLY,
            None => {}
        }
        if self.unhashable {
            flags |= ffi::LBSYS_UNHASHABLE;
        }
        if self.inherited_getattr {
            flags |= ffi::LBSYS_INHERIT_GETATTR;
        }
        flags as libc::c_int
    }
}

/// `tp_basicsize` for values of `T`: the head, the value, then padding to
/// a pointer's alignment, as a C struct starting with `PyObject_HEAD` is
/// padded. A Python subclass puts its `__dict__`, `__weakref__` and
/// `__slots__` pointers at its base's `tp_basicsize` exactly as it is
/// (`type_new` aligns nothing), so a value whose size is not a multiple of
/// a pointer's (a `bool`) would misalign them.
const fn basicsize<T>() -> usize {
    let end = value_offset::<T>() + std::mem::size_of::<T>();
    let align = std::mem::align_of::<*mut ffi::PyObject>();
    end.div_ceil(align) * align
}

/// The property table of a type without properties.
static NO_PROPERTIES: PropertyTable<1> = PropertyTable::new([Property::END]);

/// How many subtypes (Python subclasses) an instance check remembers.
const SUBTYPES: usize = 4;

/// A type defined in Rust as Python sees it: made from its spec the first
/// time it is needed (the module's `init`, or the first object), then kept
/// for the life of the process, as a static C type is.
pub struct TypeObject {
    made: AtomicPtr<ffi::PyTypeObject>,
    /// Python subclasses seen, each kept alive (a reference held forever)
    /// so that its address cannot be reused by another type.
    subtypes: [AtomicPtr<ffi::PyTypeObject>; SUBTYPES],
    name: &'static CStr,
    doc: Option<&'static CStr>,
    basicsize: usize,
    flags: libc::c_int,
    methods: *mut ffi::PyMethodDef,
    getset: *mut ffi::PyGetSetDef,
    slots: *const ffi::lbsys_slot,
}

// SAFETY: the pointers are to statics only C reads (method and slot
// tables), and the atomics are only written with the GIL held.
unsafe impl Sync for TypeObject {}

impl TypeObject {
    /// The type `name` (`"package.module.Name"`) for values of `T`.
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) If `T` needs an alignment above 8
    /// bytes (what Python 2.7's allocator promises).
    pub const fn new<T: PyClass, const M: usize, const S: usize>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        features: Features,
        methods: &'static MethodTable<M>,
        slots: &'static SlotTable<S>,
    ) -> TypeObject {
        TypeObject::with_properties::<T, M, 1, S>(
            name,
            doc,
            features,
            methods,
            &NO_PROPERTIES,
            slots,
        )
    }

    /// As [`TypeObject::new`], with properties (`tp_getset`).
    pub const fn with_properties<T: PyClass, const M: usize, const P: usize, const S: usize>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        features: Features,
        methods: &'static MethodTable<M>,
        properties: &'static PropertyTable<P>,
        slots: &'static SlotTable<S>,
    ) -> TypeObject {
        assert!(
            std::mem::align_of::<T>() <= 8,
            "a type's value may need an alignment of 8 bytes at most"
        );
        TypeObject {
            made: AtomicPtr::new(std::ptr::null_mut()),
            subtypes: [const { AtomicPtr::new(std::ptr::null_mut()) }; SUBTYPES],
            name,
            doc,
            basicsize: basicsize::<T>(),
            flags: features.flags(),
            methods: methods.as_ptr(),
            getset: properties.as_ptr(),
            slots: slots.0.get().cast(),
        }
    }

    /// The type's name (`tp_name`).
    pub fn name(&self) -> &'static str {
        self.name.to_str().unwrap_or_default()
    }

    pub(crate) fn exports(&self) -> bool {
        self.flags & ffi::LBSYS_EXPORTS as libc::c_int != 0
    }

    pub(crate) fn exports_readonly(&self) -> bool {
        self.flags & ffi::LBSYS_READONLY as libc::c_int != 0
    }

    /// The type object, made (and readied) on first use.
    pub fn get(&'static self, py: Python<'_>) -> Result<*mut ffi::PyTypeObject> {
        let made = self.made.load(Ordering::Acquire);
        if !made.is_null() {
            return Ok(made);
        }
        self.make(py)
    }

    #[cold]
    fn make(&'static self, py: Python<'_>) -> Result<*mut ffi::PyTypeObject> {
        let spec = ffi::lbsys_type_spec {
            name: self.name.as_ptr(),
            doc: self.doc.map_or(std::ptr::null(), CStr::as_ptr),
            head_offset: ffi::HEAD_OFFSET as ffi::Py_ssize_t,
            basicsize: self.basicsize as ffi::Py_ssize_t,
            flags: self.flags,
            methods: self.methods,
            getset: self.getset,
            slots: self.slots,
        };
        // SAFETY: GIL held (py); the spec's strings and tables are statics
        // C only reads. NULL with an exception set on failure.
        let made = unsafe { ffi::lbsys_type_new(&spec) };
        if made.is_null() {
            return Err(Error::fetch(py, "lbsys_type_new"));
        }
        self.made.store(made, Ordering::Release);
        Ok(made)
    }

    /// The type as an object (borrowed: it lives as long as the process,
    /// so for as long as the GIL token does): for an `O!` unit, say.
    ///
    /// ```
    /// use legacy_buffer::extension::{Args, PyClass};
    /// use legacy_buffer::{py_class, py_format, with_gil, Borrowed, Python, Result};
    ///
    /// pub struct Point;
    /// py_class! { class Point as "demo.Point" {} }
    ///
    /// /// `PyArg_ParseTuple(args, "O!:f", &PointType, &p)`.
    /// fn f<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<String> {
    ///     let point = Point::type_object().as_object(py)?;
    ///     let (p,): (Borrowed,) = args.parser(py_format!("O!:f")).types(&[&point]).parse()?;
    ///     p.repr()
    /// }
    ///
    /// with_gil(|py| -> Result<()> {
    ///     let tuple = py.eval("(1,)")?;
    ///     let e = f(py, Args::from_tuple(&tuple)?).unwrap_err();
    ///     assert_eq!(e.message(), "f() argument 1 must be demo.Point, not int");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn as_object<'py>(&'static self, py: Python<'py>) -> Result<Borrowed<'py, 'py>> {
        let made = self.get(py)?;
        // SAFETY: a type object never freed.
        Ok(unsafe { Borrowed::from_ptr(py, made.cast()) })
    }

    /// Whether objects of type `ty` are instances of this type: the type
    /// itself, or a subclass (asked of Python once per subclass, up to a
    /// few remembered).
    #[inline]
    pub(crate) fn is_instance_type(&self, _py: Python<'_>, ty: *mut ffi::PyTypeObject) -> bool {
        let made = self.made.load(Ordering::Relaxed);
        if ty == made && !made.is_null() {
            return true;
        }
        // The subclass seen first (a Python package's own, usually): inline.
        if ty == self.subtypes[0].load(Ordering::Relaxed) && !ty.is_null() {
            return true;
        }
        self.is_subtype(ty, made)
    }

    #[inline(never)]
    fn is_subtype(&self, ty: *mut ffi::PyTypeObject, made: *mut ffi::PyTypeObject) -> bool {
        if made.is_null() {
            return false;
        }
        for seen in &self.subtypes {
            if seen.load(Ordering::Relaxed) == ty {
                return true;
            }
        }
        // SAFETY: the GIL is held (a Python token exists); both are live
        // type objects (ty is an object's type).
        if unsafe { ffi::PyType_IsSubtype(ty, made) } == 0 {
            return false;
        }
        for seen in &self.subtypes {
            if seen.load(Ordering::Relaxed).is_null() {
                // SAFETY: GIL held; the reference is kept forever, so the
                // type stays alive and its address is not reused.
                unsafe { ffi::Py_INCREF(ty.cast()) };
                seen.store(ty, Ordering::Relaxed);
                break;
            }
        }
        true
    }
}

/// Where the Rust value of a `T` starts: after the head, aligned for `T`
/// (checked at compile time to need no more than Python's allocators give).
pub(crate) const fn value_offset<T>() -> usize {
    let end = ffi::HEAD_OFFSET + std::mem::size_of::<ffi::lbsys_head>();
    let align = std::mem::align_of::<T>();
    end.div_ceil(align) * align
}

/// One property (`PyGetSetDef`) of a type.
#[derive(Clone, Copy)]
pub struct Property(pub(crate) ffi::PyGetSetDef);

impl Property {
    /// The entry that ends a table.
    pub const END: Property = Property(ffi::PyGetSetDef {
        name: std::ptr::null_mut(),
        get: None,
        set: None,
        doc: std::ptr::null_mut(),
        closure: std::ptr::null_mut(),
    });
}

/// A type's property table, ended by [`Property::END`]: a static only
/// Python reads.
pub struct PropertyTable<const N: usize>(UnsafeCell<[ffi::PyGetSetDef; N]>);

// SAFETY: nothing writes the table after it is made; Python reads it (with
// the GIL held) and never writes it.
unsafe impl<const N: usize> Sync for PropertyTable<N> {}

impl<const N: usize> PropertyTable<N> {
    /// The table.
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) Unless it ends with
    /// [`Property::END`], once.
    pub const fn new(properties: [Property; N]) -> PropertyTable<N> {
        let mut table = [Property::END.0; N];
        let mut i = 0;
        while i < N {
            let end = properties[i].0.get.is_none();
            assert!(
                end == (i + 1 == N),
                "the properties must end with Property::END, once"
            );
            table[i] = properties[i].0;
            i += 1;
        }
        PropertyTable(UnsafeCell::new(table))
    }

    /// The table for C: NULL when it holds no property.
    pub(crate) const fn as_ptr(&self) -> *mut ffi::PyGetSetDef {
        if N <= 1 {
            std::ptr::null_mut()
        } else {
            self.0.get().cast()
        }
    }
}
