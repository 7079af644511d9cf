//! Prefix codes from Python: `check_codedict`, the tree of a code dict
//! (symbols kept as references of their own, which the C's tree does not
//! take), and `decode()`.

use crate::access::{as_bitarray, state, with_bits, This};
use crate::convert::{type_error, value_error};
use crate::core::messages as msg;
use crate::core::{Bits, PrefixTree};
use legacy_buffer::{Error, ExceptionType, Object, ObjectRef, Python, Result};

/// C's `check_codedict`: a non-empty dict of non-empty bitarrays.
pub(crate) fn check_codedict(codedict: &Object<'_>) -> Result<()> {
    if !codedict.is_dict() {
        return Err(type_error(msg::DICT_EXPECTED));
    }
    let items = codedict.dict_items()?;
    if items.is_empty() {
        return Err(value_error(msg::CODE_DICT_EMPTY));
    }
    for (_, value) in &items {
        let bits = as_bitarray(value).ok_or_else(|| type_error(msg::CODE_VALUE_TYPE))?;
        if state(&bits)?.0 == 0 {
            return Err(value_error(msg::CODE_VALUE_EMPTY));
        }
    }
    Ok(())
}

/// A code's tree, its leaves indexes into the symbols, which it owns.
pub(crate) struct Code {
    pub(crate) tree: PrefixTree<usize>,
    pub(crate) symbols: Vec<ObjectRef>,
}

/// C's `make_tree` over a checked dict, in `PyDict_Next`'s order.
pub(crate) fn make_tree(codedict: &Object<'_>) -> Result<Code> {
    check_codedict(codedict)?;
    let mut tree = PrefixTree::new();
    let mut symbols = Vec::new();
    for (symbol, value) in codedict.dict_items()? {
        let bits = as_bitarray(&value).ok_or_else(|| type_error(msg::CODE_VALUE_TYPE))?;
        let index = symbols.len();
        let tree = &mut tree;
        with_bits(&bits, move |b| tree.insert(&b, index))?.map_err(code_error)?;
        symbols.push(ObjectRef::from_object(symbol));
    }
    Ok(Code { tree, symbols })
}

/// A decoding error as the C raises it.
pub(crate) fn code_error(e: crate::core::CodeError) -> Error {
    Error::new(ExceptionType::ValueError, e.message())
}

/// `decode(code)`.
pub(crate) fn decode<'py>(
    py: Python<'py>,
    this: &This<'_, 'py>,
    codedict: &Object<'py>,
) -> Result<Object<'py>> {
    let code = make_tree(codedict)?;
    let tree = &code.tree;
    let found = with_bits(this, |bits: Bits<'_>| tree.decode(&bits))?.map_err(code_error)?;
    Object::list(
        py,
        found.into_iter().map(|i| code.symbols[i].get(py)).collect(),
    )
}
