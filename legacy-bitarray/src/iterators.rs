//! The iterator types: over the bits (`iter(a)`), over the positions of a
//! pattern (`itersearch`) and over the symbols of a prefix code
//! (`iterdecode`). Each keeps its bitarray (and pattern, and the code's
//! symbols) as references of its own, reported to the garbage collector.

use crate::access::{as_bitarray, getbit, state, with_two, This};
use crate::prefix::{code_error, make_tree, Code};
use legacy_buffer::extension::{Instance, Stop, Visit};
use legacy_buffer::{py_class, Object, ObjectRef, Python, Result};
use std::cell::Cell;

/// `bitarrayiterator`: the bits of a bitarray, as `bool`s.
pub struct BitIter {
    bao: Option<ObjectRef>,
    index: Cell<usize>,
}

/// `bitarraysearchiterator`: where a pattern occurs.
pub struct SearchIter {
    bao: Option<ObjectRef>,
    xa: Option<ObjectRef>,
    p: Cell<usize>,
}

/// `bitarraydecodeiterator`: the symbols a prefix code decodes.
pub struct DecodeIter {
    bao: Option<ObjectRef>,
    code: Option<Code>,
    index: Cell<usize>,
}

/// `iter(a)`.
pub(crate) fn bits<'py>(this: &This<'_, 'py>) -> Result<Object<'py>> {
    let it = BitIter {
        bao: Some(ObjectRef::new(this)),
        index: Cell::new(0),
    };
    Instance::create(this.py(), it, Vec::new())
}

/// `a.itersearch(x)`.
pub(crate) fn search<'py>(this: &This<'_, 'py>, pattern: &This<'_, 'py>) -> Result<Object<'py>> {
    let it = SearchIter {
        bao: Some(ObjectRef::new(this)),
        xa: Some(ObjectRef::new(pattern)),
        p: Cell::new(0),
    };
    Instance::create(this.py(), it, Vec::new())
}

/// `a.iterdecode(code)`.
pub(crate) fn decode<'py>(this: &This<'_, 'py>, codedict: &Object<'py>) -> Result<Object<'py>> {
    let it = DecodeIter {
        bao: Some(ObjectRef::new(this)),
        code: Some(make_tree(codedict)?),
        index: Cell::new(0),
    };
    Instance::create(this.py(), it, Vec::new())
}

/// The iterator itself (`PyObject_SelfIter`).
fn itself<'py, T: legacy_buffer::extension::PyClass>(
    _py: Python<'py>,
    this: Instance<'_, 'py, T>,
) -> Result<Object<'py>> {
    Ok(this.clone_ref())
}

fn bit_next<'py>(py: Python<'py>, this: Instance<'_, 'py, BitIter>) -> Result<Option<bool>> {
    let it = this.borrow()?;
    let Some(bao) = &it.bao else { return Ok(None) };
    let bao = bao.bind(py);
    let ba = as_bitarray(&bao).expect("iterates a bitarray");
    let (n, endian) = state(&ba)?;
    let i = it.index.get();
    if i >= n {
        return Ok(None);
    }
    it.index.set(i + 1);
    Ok(Some(getbit(&ba, endian, i)))
}

fn search_next<'py>(
    py: Python<'py>,
    this: Instance<'_, 'py, SearchIter>,
) -> Result<Option<Object<'py>>> {
    let it = this.borrow()?;
    let (Some(bao), Some(xa)) = (&it.bao, &it.xa) else {
        return Ok(None);
    };
    let (bao, xa) = (bao.bind(py), xa.bind(py));
    let (ba, pattern) = (
        as_bitarray(&bao).expect("searches a bitarray"),
        as_bitarray(&xa).expect("for a bitarray"),
    );
    let start = it.p.get();
    match with_two(&ba, &pattern, move |a, p| a.search(&p, start))? {
        Some(p) => {
            it.p.set(p + 1);
            Ok(Some(Object::long(py, p as i64)?))
        }
        None => Ok(None),
    }
}

fn decode_next<'py>(
    py: Python<'py>,
    this: Instance<'_, 'py, DecodeIter>,
) -> Result<Option<Object<'py>>> {
    let it = this.borrow()?;
    let (Some(bao), Some(code)) = (&it.bao, &it.code) else {
        return Ok(None);
    };
    let bao = bao.bind(py);
    let ba = as_bitarray(&bao).expect("decodes a bitarray");
    let mut index = it.index.get();
    let tree = &code.tree;
    let found = crate::access::with_bits(&ba, |bits| {
        tree.traverse(&bits, &mut index).map(|s| s.copied())
    })?;
    it.index.set(index);
    match found.map_err(code_error)? {
        Some(i) => Ok(Some(code.symbols[i].get(py))),
        None => Ok(None),
    }
}

fn visit_all<'r>(
    refs: impl IntoIterator<Item = &'r Option<ObjectRef>>,
    visit: &mut Visit<'_>,
) -> std::result::Result<(), Stop> {
    for r in refs.into_iter().flatten() {
        visit.visit(r)?;
    }
    Ok(())
}

impl BitIter {
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        visit_all([&self.bao], visit)
    }
    fn clear(&mut self) {
        self.bao = None;
    }
}

impl SearchIter {
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        visit_all([&self.bao, &self.xa], visit)
    }
    fn clear(&mut self) {
        self.bao = None;
        self.xa = None;
    }
}

impl DecodeIter {
    fn traverse(&self, visit: &mut Visit<'_>) -> std::result::Result<(), Stop> {
        visit_all([&self.bao], visit)?;
        if let Some(code) = &self.code {
            for symbol in &code.symbols {
                visit.visit(symbol)?;
            }
        }
        Ok(())
    }
    fn clear(&mut self) {
        self.bao = None;
        self.code = None;
    }
}

py_class! {
    class BitIter as "bitarrayiterator" {
        gc: { traverse: BitIter::traverse, clear: BitIter::clear },
        slots: {
            __iter__ => itself::<BitIter>;
            next => bit_next;
        }
    }
}

py_class! {
    class SearchIter as "bitarraysearchiterator" {
        gc: { traverse: SearchIter::traverse, clear: SearchIter::clear },
        slots: {
            __iter__ => itself::<SearchIter>;
            next => search_next;
        }
    }
}

py_class! {
    class DecodeIter as "bitarraydecodeiterator" {
        gc: { traverse: DecodeIter::traverse, clear: DecodeIter::clear },
        slots: {
            __iter__ => itself::<DecodeIter>;
            next => decode_next;
        }
    }
}
