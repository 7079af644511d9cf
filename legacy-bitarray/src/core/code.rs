//! Prefix codes: the binary tree of `decode` and `iterdecode` (C's `binode`,
//! `insert_symbol`, `make_tree`, `traverse_tree`), over symbols of the
//! glue's choosing.

use std::fmt;

use super::bits::Bits;
use super::messages;

/// Why a prefix code was refused or did not decode; each is a `ValueError`
/// in the C, with [`CodeError::message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// A code is a prefix of another, or repeated ([`messages::CODE_AMBIGUOUS`]).
    Ambiguous,
    /// An empty code ([`messages::CODE_VALUE_EMPTY`]); `check_codedict`
    /// refuses it before the tree is built.
    EmptyCode,
    /// No code continues with the next bit ([`messages::CODE_NO_MATCH`]).
    NoMatch,
    /// The bits end inside a code ([`messages::DECODE_UNTERMINATED`]).
    NotTerminated,
}

impl CodeError {
    /// The C's message.
    pub fn message(self) -> &'static str {
        match self {
            CodeError::Ambiguous => messages::CODE_AMBIGUOUS,
            CodeError::EmptyCode => messages::CODE_VALUE_EMPTY,
            CodeError::NoMatch => messages::CODE_NO_MATCH,
            CodeError::NotTerminated => messages::DECODE_UNTERMINATED,
        }
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for CodeError {}

/// No child, no symbol: index 0 is the root, never anyone's child.
const NONE: u32 = 0;

/// A node: C's `binode`, with indexes into the tree's vectors for pointers.
#[derive(Clone, Copy, Debug)]
struct Node {
    child: [u32; 2],
    /// 1 + the index of its symbol, or [`NONE`].
    symbol: u32,
}

const EMPTY: Node = Node {
    child: [NONE; 2],
    symbol: NONE,
};

/// The decoding tree of a prefix code: leaves hold symbols, the path from
/// the root spells the code, 0 to the left. Nodes live in one vector (one
/// allocation, not the C's `PyMem_Malloc` per node).
#[derive(Clone, Debug)]
pub struct PrefixTree<S> {
    nodes: Vec<Node>,
    symbols: Vec<S>,
}

impl<S: Clone> Default for PrefixTree<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone> PrefixTree<S> {
    /// An empty tree: the root alone (C's `new_binode` for the root).
    pub fn new() -> Self {
        PrefixTree {
            nodes: vec![EMPTY],
            symbols: Vec::new(),
        }
    }

    /// The tree of every `(code, symbol)` pair, in order (C's `make_tree`
    /// over `PyDict_Next`). The glue runs `check_codedict`'s checks over
    /// the whole dict first, for its errors to win in the C's order.
    pub fn from_code<'c, I>(code: I) -> Result<Self, CodeError>
    where
        I: IntoIterator<Item = (Bits<'c>, S)>,
    {
        let mut tree = Self::new();
        for (bits, symbol) in code {
            tree.insert(&bits, symbol)?;
        }
        Ok(tree)
    }

    /// Adds `symbol` at the leaf spelt by `code` (C's `insert_symbol`): an
    /// error when the path passes a symbol, or ends on a node that has a
    /// symbol or children. An empty code is refused as `check_codedict`
    /// does. On error the tree may hold new inner nodes (the C drops it).
    pub fn insert(&mut self, code: &Bits<'_>, symbol: S) -> Result<(), CodeError> {
        if code.is_empty() {
            return Err(CodeError::EmptyCode);
        }
        let mut nd = 0usize;
        for k in code.iter() {
            let next = self.nodes[nd].child[usize::from(k)];
            if next == NONE {
                let id = u32::try_from(self.nodes.len()).expect("fewer than 2^32 nodes");
                self.nodes.push(EMPTY);
                self.nodes[nd].child[usize::from(k)] = id;
                nd = id as usize;
            } else {
                nd = next as usize;
                // No symbol may stand on the way to the new leaf.
                if self.nodes[nd].symbol != NONE {
                    return Err(CodeError::Ambiguous);
                }
            }
        }
        let leaf = &mut self.nodes[nd];
        if leaf.symbol != NONE || leaf.child != [NONE; 2] {
            return Err(CodeError::Ambiguous);
        }
        self.symbols.push(symbol);
        leaf.symbol = u32::try_from(self.symbols.len()).expect("fewer than 2^32 symbols");
        Ok(())
    }

    /// The symbols of `bits`, in order (`bitarray_decode`). The C builds
    /// its list as it goes and drops it on an error; so does this.
    pub fn decode(&self, bits: &Bits<'_>) -> Result<Vec<S>, CodeError> {
        let mut out = Vec::new();
        let mut nd = 0usize;
        for k in bits.iter() {
            let next = self.nodes[nd].child[usize::from(k)];
            if next == NONE {
                return Err(CodeError::NoMatch);
            }
            nd = next as usize;
            let s = self.nodes[nd].symbol;
            if s != NONE {
                out.push(self.symbols[s as usize - 1].clone());
                nd = 0;
            }
        }
        if nd != 0 {
            return Err(CodeError::NotTerminated);
        }
        Ok(out)
    }

    /// The next symbol from bit `*index` on (C's `traverse_tree`, for
    /// `iterdecode`'s `decodeiter_next`): `Ok(None)` at the end of the bits,
    /// with `*index` advanced past every bit read, errors included (after
    /// `NotTerminated` the index is at the end, so the next call ends).
    pub fn traverse(&self, bits: &Bits<'_>, index: &mut usize) -> Result<Option<&S>, CodeError> {
        let mut nd = 0usize;
        while *index < bits.len() {
            let k = bits.get(*index);
            *index += 1;
            let next = self.nodes[nd].child[usize::from(k)];
            if next == NONE {
                return Err(CodeError::NoMatch);
            }
            nd = next as usize;
            let s = self.nodes[nd].symbol;
            if s != NONE {
                return Ok(Some(&self.symbols[s as usize - 1]));
            }
        }
        if nd != 0 {
            return Err(CodeError::NotTerminated);
        }
        Ok(None)
    }
}
