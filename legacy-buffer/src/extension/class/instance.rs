//! An object of a type defined in Rust, seen from Rust: the [`Instance`]
//! handle, its head (the memory it exports, the borrow flag), and the
//! [`Ref`]/[`RefMut`] guards through which the Rust value is reached.

use super::spec::{value_offset, PyClass};
use crate::buffer::Buffer;
use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// The borrow flag's states (`lbsys_head.borrow`): tp_alloc zero-fills, so
/// an object no constructor of this crate finished has no value.
pub(crate) const NO_VALUE: isize = 0;
pub(crate) const FREE: isize = 1;
pub(crate) const MUT: isize = -1;

/// The object's head.
///
/// # Safety
///
/// `obj` is a live object of a type made by this crate (or a subclass).
#[inline(always)]
pub(crate) unsafe fn head(obj: *mut ffi::PyObject) -> *mut ffi::lbsys_head {
    // SAFETY: such objects keep the head at HEAD_OFFSET (lbsys_type_new
    // checked it against the C compiler).
    unsafe { obj.cast::<u8>().add(ffi::HEAD_OFFSET).cast() }
}

/// The object's Rust value, initialised or not.
///
/// # Safety
///
/// As [`head`], for an object of `T`'s type.
#[inline(always)]
pub(crate) unsafe fn value<T: PyClass>(obj: *mut ffi::PyObject) -> *mut T {
    // SAFETY: basicsize covers value_offset + size_of::<T>() (spec.rs).
    unsafe { obj.cast::<u8>().add(value_offset::<T>()).cast() }
}

/// The object's type, read from its header (the word before the head:
/// `ob_type` ends `PyObject_HEAD` in every build).
///
/// # Safety
///
/// `obj` is a live object.
#[inline(always)]
unsafe fn type_of(obj: *mut ffi::PyObject) -> *mut ffi::PyTypeObject {
    // SAFETY: ob_type is the last field of PyObject_HEAD, which ends at
    // HEAD_OFFSET in the build bound (checked with the type's creation).
    unsafe {
        *obj.cast::<u8>()
            .add(ffi::HEAD_OFFSET - std::mem::size_of::<usize>())
            .cast::<*mut ffi::PyTypeObject>()
    }
}

/// A borrowed handle to an object of the type `T` defines (or of a Python
/// subclass of it): what a method of the type gets as `self`.
///
/// It reaches the Rust value through a runtime borrow flag kept in the
/// object, as a `RefCell` does: [`borrow`](Instance::borrow) and
/// [`borrow_mut`](Instance::borrow_mut) fail with `RuntimeError` rather
/// than alias, when Python code a method runs (a callback, an element's
/// `__eq__`, a `__del__`, the garbage collector) comes back to the same
/// object while the value is borrowed in a way that conflicts.
///
/// And it reaches the memory the type exports (when it does), which
/// Python code may read and write through `buffer()`, `memoryview` or C
/// extensions whenever it runs: never as a plain slice held across Python
/// code, but through [`Buffer`]s pinned like a `bytearray`'s, and plain
/// slices inside a no-Python scope ([`with_bytes`](Instance::with_bytes),
/// [`with_bytes_mut`](Instance::with_bytes_mut)). While anything exports
/// or pins it, [`resize_bytes`](Instance::resize_bytes) refuses with
/// `BufferError`, as `bytearray` does.
///
/// Neither `Send` nor `Sync`, and bound to the call (`'a`) that lent it.
pub struct Instance<'a, 'py, T: PyClass> {
    ptr: NonNull<ffi::PyObject>,
    py: Python<'py>,
    _borrow: PhantomData<(&'a Object<'py>, &'a T)>,
}

impl<T: PyClass> Clone for Instance<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: PyClass> Copy for Instance<'_, '_, T> {}

impl<'a, 'py, T: PyClass> Instance<'a, 'py, T> {
    /// `obj` as an instance of `T`, if it is one (its type is `T`'s or a
    /// subclass of it) and has its value (`T`'s constructor made it).
    #[inline]
    pub fn downcast(obj: &'a Object<'py>) -> Option<Instance<'a, 'py, T>> {
        // SAFETY: a live object, alive for 'a (borrowed from obj).
        unsafe { Instance::from_ptr(obj.py(), obj.as_ptr()) }
    }

    /// # Safety
    ///
    /// `ptr` is a live object that stays alive for `'a`; GIL held for `'py`.
    #[inline]
    pub(crate) unsafe fn from_ptr(
        py: Python<'py>,
        ptr: *mut ffi::PyObject,
    ) -> Option<Instance<'a, 'py, T>> {
        let type_object = T::type_object();
        // SAFETY: a live object (contract).
        let ty = unsafe { type_of(ptr) };
        if !type_object.is_instance_type(py, ty) {
            return None;
        }
        // SAFETY: an object of T's type or a subclass (just checked).
        if unsafe { (*head(ptr)).borrow } == NO_VALUE {
            return None;
        }
        Some(Instance {
            // SAFETY: a live object is not NULL.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            py,
            _borrow: PhantomData,
        })
    }

    /// As [`from_ptr`](Instance::from_ptr) for `self` of a method or slot,
    /// whose type Python checked: `TypeError` all the same where it is not
    /// an instance with a value.
    ///
    /// # Safety
    ///
    /// As [`from_ptr`](Instance::from_ptr).
    #[inline]
    pub(crate) unsafe fn from_self(
        py: Python<'py>,
        ptr: *mut ffi::PyObject,
    ) -> Result<Instance<'a, 'py, T>> {
        // SAFETY: the contract, passed on.
        match unsafe { Instance::from_ptr(py, ptr) } {
            Some(this) => Ok(this),
            None => Err(not_an_instance::<T>()),
        }
    }

    /// The token.
    #[inline]
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// The object.
    #[inline]
    pub fn as_object(&self) -> Borrowed<'a, 'py> {
        // SAFETY: alive for 'a (how the instance was made).
        unsafe { Borrowed::from_ptr(self.py, self.ptr.as_ptr()) }
    }

    /// The raw pointer (borrowed).
    #[inline]
    pub fn as_ptr(&self) -> *mut ffi::PyObject {
        self.ptr.as_ptr()
    }

    /// Whether `other` is the same object.
    #[inline]
    pub fn is<U: PyClass>(&self, other: &Instance<'_, '_, U>) -> bool {
        self.ptr == other.ptr
    }

    #[inline(always)]
    fn head(&self) -> *mut ffi::lbsys_head {
        // SAFETY: an instance of T (checked when made), alive for 'a.
        unsafe { head(self.ptr.as_ptr()) }
    }

    /// Borrow the value shared: fails with `RuntimeError` while it is
    /// borrowed mutably (a method holding `&mut` ran Python code that came
    /// back here).
    #[inline]
    pub fn borrow(&self) -> Result<Ref<'a, T>> {
        let head = self.head();
        // SAFETY: the head of a live instance; only this thread (holding
        // the GIL) touches the flag.
        let flag = unsafe { (*head).borrow };
        if flag < FREE || flag == isize::MAX {
            return Err(already_borrowed(true));
        }
        // SAFETY: as above.
        unsafe { (*head).borrow = flag + 1 };
        Ok(Ref {
            head,
            // SAFETY: the value was initialised (flag != NO_VALUE) and no
            // &mut exists (flag != MUT); it lives as long as the object,
            // which outlives 'a.
            value: unsafe { &*value::<T>(self.ptr.as_ptr()) },
        })
    }

    /// Borrow the value mutably: fails with `RuntimeError` while it is
    /// borrowed at all.
    #[inline]
    pub fn borrow_mut(&self) -> Result<RefMut<'a, T>> {
        let head = self.head();
        // SAFETY: as in borrow.
        let flag = unsafe { (*head).borrow };
        if flag != FREE {
            return Err(already_borrowed(flag == MUT));
        }
        // SAFETY: as in borrow.
        unsafe { (*head).borrow = MUT };
        Ok(RefMut {
            head,
            // SAFETY: initialised, and no other reference to it exists
            // (flag was FREE); unique until the guard drops.
            value: unsafe { &mut *value::<T>(self.ptr.as_ptr()) },
        })
    }

    /// How many bytes the object exports now.
    #[inline]
    pub fn bytes_len(&self) -> usize {
        // SAFETY: the head of a live instance.
        unsafe { (*self.head()).len as usize }
    }

    /// How many exports and pins of the memory are counted now (views
    /// Python holds, pinned [`Buffer`]s).
    #[inline]
    pub fn exports(&self) -> usize {
        // SAFETY: the head of a live instance.
        unsafe { (*self.head()).exports as usize }
    }

    /// Make the exported memory `len` bytes long, keeping what fits and
    /// zeroing what is new. Refused with `BufferError` ("Existing exports
    /// of data: object cannot be re-sized", bytearray's words) while any
    /// export or pin is counted and the length would change: their pointers
    /// must stay good. `MemoryError` where the memory cannot be had.
    pub fn resize_bytes(&self, len: usize) -> Result<()> {
        let head = self.head();
        // No reference points into the memory (a Vec's parts, exported.rs):
        // every Rust view of it is a pinned Buffer (exports > 0 refuses) or a
        // no-Python scope (whose closure cannot reach this instance).
        // SAFETY: the head of a live instance; no reference into its memory.
        unsafe { super::exported::resize(head, len, None) }
    }

    /// As [`resize_bytes`](Instance::resize_bytes), and make the allocation
    /// exactly `capacity` bytes (at least `len`): for a port that keeps its
    /// C original's growth policy, where it shows (refused while exported,
    /// like any resize, when the length or the allocation would change).
    pub fn resize_bytes_exact(&self, len: usize, capacity: usize) -> Result<()> {
        let head = self.head();
        // SAFETY: as in resize_bytes.
        unsafe { super::exported::resize(head, len, Some(capacity)) }
    }

    /// How many bytes are allocated for the exported memory.
    #[inline]
    pub fn bytes_capacity(&self) -> usize {
        // SAFETY: the head of a live instance.
        unsafe { (*self.head()).cap as usize }
    }

    /// The exported memory, pinned for reading (as a `bytearray` is by
    /// [`Object::read_buffer`], which gives the same): cells, `to_vec`,
    /// [`no_python`](crate::no_python).
    #[inline]
    pub fn read_buffer(&self) -> Result<Buffer<'a>> {
        self.pinned(false)
    }

    /// The exported memory, pinned for writing: `TypeError` for a type
    /// that exports it read-only.
    #[inline]
    pub fn write_buffer(&self) -> Result<Buffer<'a>> {
        self.pinned(true)
    }

    fn pinned(&self, writable: bool) -> Result<Buffer<'a>> {
        if !T::type_object().exports() {
            return Err(Error::new(
                ExceptionType::TypeError,
                format!("{} objects export no memory", T::type_object().name()),
            ));
        }
        let obj = self.as_object();
        // Through the borrow every object takes (exporter.c pins this one
        // by counting an export in its head).
        let buffer = if writable {
            obj.write_buffer()?
        } else {
            obj.read_buffer()?
        };
        // SAFETY: the buffer borrows `obj`, a Borrowed for 'a whose object
        // lives for 'a: the buffer may live as long.
        Ok(unsafe { std::mem::transmute::<Buffer<'_>, Buffer<'a>>(buffer) })
    }

    /// Run `f` over the exported memory as a plain `&[u8]`, in a no-Python
    /// scope (see [`no_python`](crate::no_python)): counted as an export
    /// while it runs. `f` is `Send`, so it cannot reach this instance (or
    /// any object) to resize or write the memory meanwhile.
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R + Send) -> Result<R> {
        let lent = Lent::new(self)?;
        Ok(crate::scope::run(self.py, || {
            // SAFETY: the memory stays in place while lent (an export is
            // counted: nothing resizes it) and nothing writes it while no
            // Python code runs; the slice cannot outlive the scope.
            let bytes = unsafe { crate::scope::shared(lent.ptr, lent.len) };
            f(bytes)
        }))
    }

    /// Run `f` over the exported memory as a plain `&mut [u8]`, in a
    /// no-Python scope: `TypeError` for read-only exports. Other views
    /// (memoryviews, pinned buffers) may exist, but none can be used while
    /// `f` runs: using one takes Python code or an object, which `f`
    /// (`Send`, in a scope) cannot reach.
    #[inline]
    pub fn with_bytes_mut<R>(&self, f: impl FnOnce(&mut [u8]) -> R + Send) -> Result<R> {
        if T::type_object().exports_readonly() {
            // What PyObject_AsWriteBuffer says (and write_buffer, through it).
            return Err(Error::new(
                ExceptionType::TypeError,
                "expected a writeable buffer object",
            ));
        }
        let lent = Lent::new(self)?;
        // SAFETY: as in with_bytes; the memory is writable (checked), and no
        // other Rust reference to it exists: pinned buffers give only cells,
        // which f cannot reach (they are not Send), and another scope
        // cannot be entered from inside this one with this memory.
        Ok(crate::scope::run(self.py, || {
            // SAFETY: see above.
            let bytes = unsafe { std::slice::from_raw_parts_mut(lent.ptr, lent.len) };
            f(bytes)
        }))
    }

    /// Run `f` over this object's exported memory as a `&mut [u8]` and
    /// `other`'s as a `&[u8]`, in one no-Python scope: `BufferError` if
    /// they are the same object (a `&mut` must alias nothing: copy first).
    pub fn with_bytes_mut_and<U: PyClass, R>(
        &self,
        other: &Instance<'_, 'py, U>,
        f: impl FnOnce(&mut [u8], &[u8]) -> R + Send,
    ) -> Result<R> {
        if self.ptr == other.ptr {
            return Err(Error::new(
                ExceptionType::BufferError,
                "the same object lent twice, once writable: a mutable slice must alias nothing",
            ));
        }
        if T::type_object().exports_readonly() {
            return Err(Error::new(
                ExceptionType::TypeError,
                "expected a writeable buffer object",
            ));
        }
        let (mine, theirs) = (Lent::new(self)?, Lent::new(other)?);
        Ok(crate::scope::run(self.py, || {
            // SAFETY: two objects' memories (checked distinct: each object
            // owns its own allocation), in place while lent (exports
            // counted); the &mut aliases nothing (as in with_bytes_mut).
            let (a, b) = unsafe {
                (
                    std::slice::from_raw_parts_mut(mine.ptr, mine.len),
                    crate::scope::shared(theirs.ptr, theirs.len),
                )
            };
            f(a, b)
        }))
    }

    /// Run `f` over this object's exported memory and `other`'s (which may
    /// be the same object), as `&[u8]`s, in one no-Python scope.
    pub fn with_bytes_and<U: PyClass, R>(
        &self,
        other: &Instance<'_, 'py, U>,
        f: impl FnOnce(&[u8], &[u8]) -> R + Send,
    ) -> Result<R> {
        let (mine, theirs) = (Lent::new(self)?, Lent::new(other)?);
        Ok(crate::scope::run(self.py, || {
            // SAFETY: as in with_bytes, for each.
            let (a, b) = unsafe {
                (
                    crate::scope::shared(mine.ptr, mine.len),
                    crate::scope::shared(theirs.ptr, theirs.len),
                )
            };
            f(a, b)
        }))
    }

    /// A new `str` of the exported bytes (`PyString_FromStringAndSize`
    /// from them, pinned meanwhile: the allocation may run the collector,
    /// whose callbacks may try to resize this object).
    pub fn to_str(&self) -> Result<Object<'py>> {
        let lent = Lent::new(self)?;
        // SAFETY: the memory stays in place while lent; C copies len bytes
        // from it; a new reference or NULL with an exception set.
        unsafe {
            Object::from_owned_ptr_or_err(
                self.py,
                ffi::PyString_FromStringAndSize(lent.ptr.cast(), lent.len as ffi::Py_ssize_t),
                "PyString_FromStringAndSize",
            )
        }
    }

    /// Append `data` to the exported memory: refused with `BufferError`
    /// while exported, as any resize. Nothing is zeroed first: appending
    /// what a copy would write costs one pass, not two. (A reserve with
    /// [`resize_bytes_exact`](Instance::resize_bytes_exact) first keeps a
    /// growth policy.)
    pub fn extend_bytes(&self, data: &[u8]) -> Result<()> {
        let head = self.head();
        // SAFETY: as in resize_bytes; `data` is not this object's memory (a
        // slice of it exists only inside a scope, which cannot reach this
        // instance).
        unsafe { super::exported::append(head, data) }
    }

    /// Append `other`'s exported bytes to this object's (itself too: a copy
    /// is taken first then): refused with `BufferError` while this object
    /// is exported, as any resize.
    pub fn extend_bytes_from<U: PyClass>(&self, other: &Instance<'_, 'py, U>) -> Result<()> {
        if self.ptr == other.ptr {
            let copy = self.with_bytes(|b| b.to_vec())?;
            return self.extend_bytes(&copy);
        }
        let theirs = Lent::new(other)?;
        let head = self.head();
        // The other object's memory stays in place while lent (an export
        // counted); no Python code runs, and this object's is another one.
        // SAFETY: as above; the append is as in extend_bytes.
        unsafe { super::exported::append(head, crate::scope::shared(theirs.ptr, theirs.len)) }
    }

    /// The byte at `index` of the exported memory, if there is one: read
    /// directly (no Rust reference to the memory exists outside scopes and
    /// cells, so a read through its pointer races with nothing).
    #[inline]
    pub fn get_byte(&self, index: usize) -> Option<u8> {
        let head = self.head();
        // SAFETY: the head of a live instance; index checked against the
        // length; the memory holds initialised bytes (a Vec's).
        unsafe {
            if index >= (*head).len as usize {
                return None;
            }
            Some((*head).ptr.cast::<u8>().add(index).read())
        }
    }

    /// Write the byte at `index` of the exported memory: `false` (nothing
    /// written) past its end or for read-only exports.
    #[inline]
    pub fn set_byte(&self, index: usize, value: u8) -> bool {
        if T::type_object().exports_readonly() {
            return false;
        }
        let head = self.head();
        // SAFETY: as in get_byte; writable memory (checked); no Rust
        // reference to it is alive here (scopes cannot reach this instance,
        // pinned buffers give cells, which allow this write).
        unsafe {
            if index >= (*head).len as usize {
                return false;
            }
            (*head).ptr.cast::<u8>().add(index).write(value);
        }
        true
    }
}

/// The exported memory of an instance, counted as one export while this
/// lives: what a scope lends.
struct Lent {
    head: *mut ffi::lbsys_head,
    ptr: *mut u8,
    len: usize,
}

impl Lent {
    #[inline]
    fn new<T: PyClass>(this: &Instance<'_, '_, T>) -> Result<Lent> {
        if !T::type_object().exports() {
            return Err(Error::new(
                ExceptionType::TypeError,
                format!("{} objects export no memory", T::type_object().name()),
            ));
        }
        let head = this.head();
        // SAFETY: the head of a live instance, which outlives the Lent
        // (borrowed from the instance's call); only this thread touches it.
        unsafe {
            (*head).exports += 1;
            Ok(Lent {
                head,
                ptr: (*head).ptr.cast(),
                len: (*head).len as usize,
            })
        }
    }
}

impl Drop for Lent {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: counted in new; the object is alive (see new).
        unsafe { (*self.head).exports -= 1 };
    }
}

impl<'a, 'py, T: PyClass> Deref for Instance<'a, 'py, T> {
    type Target = Object<'py>;
    #[inline]
    fn deref(&self) -> &Object<'py> {
        // SAFETY: Object is a transparent NonNull; this one is borrowed (no
        // Drop runs through a reference).
        unsafe { &*(&self.ptr as *const NonNull<ffi::PyObject>).cast::<Object<'py>>() }
    }
}

#[cold]
fn already_borrowed(mutably: bool) -> Error {
    Error::new(
        ExceptionType::RuntimeError,
        if mutably {
            "Already mutably borrowed"
        } else {
            "Already borrowed"
        },
    )
}

#[cold]
fn not_an_instance<T: PyClass>() -> Error {
    Error::new(
        ExceptionType::TypeError,
        format!(
            "descriptor requires an initialised '{}' object",
            T::type_object().name()
        ),
    )
}

/// The value of an [`Instance`], borrowed shared; released when dropped.
pub struct Ref<'a, T> {
    head: *mut ffi::lbsys_head,
    value: &'a T,
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T> Drop for Ref<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the head of the object the guard borrows, alive for 'a.
        unsafe { (*self.head).borrow -= 1 };
    }
}

/// The value of an [`Instance`], borrowed mutably; released when dropped.
pub struct RefMut<'a, T> {
    head: *mut ffi::lbsys_head,
    value: &'a mut T,
}

impl<T> Deref for RefMut<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T> DerefMut for RefMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T> Drop for RefMut<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: as for Ref.
        unsafe { (*self.head).borrow = FREE };
    }
}
