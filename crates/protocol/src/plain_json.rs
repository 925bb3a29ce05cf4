//! A reader for *plain* JSON: no whitespace between tokens, integers without fraction or
//! exponent, strings without escapes or control characters, and `null`/`true`/`false`.
//!
//! That is how fastjson and every client write what the server reads most (request headers,
//! register bodies). Reading it through serde costs more than the rest of a cached route answer,
//! and most of a changed registration. The readers built on this one take only plain input and
//! give up (`None`) on anything else, so their callers fall back to serde, which also reports
//! the errors; each caller has a property test holding the two to the same result.

/// A position in a plain JSON text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// `None` when `bytes` is not UTF-8 (every string slice is cut at ASCII quotes of it).
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        Some(Self::of_str(text))
    }

    pub(crate) fn of_str(text: &'a str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let hit = self.bytes.get(self.pos) == Some(&byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(crate) fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn eat_word(&mut self, word: &[u8]) -> bool {
        let hit = self.bytes[self.pos..].starts_with(word);
        if hit {
            self.pos += word.len();
        }
        hit
    }

    pub(crate) fn eat_null(&mut self) -> bool {
        self.eat_word(b"null")
    }

    pub(crate) fn boolean(&mut self) -> Option<bool> {
        if self.eat_word(b"true") {
            Some(true)
        } else if self.eat_word(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A string with no escapes and no control characters (serde refuses raw ones).
    pub(crate) fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if self.bytes[start + len] != b'"' {
            return None;
        }
        self.pos = start + len + 1;
        Some(&self.text[start..start + len])
    }

    /// An integer as serde reads one (no leading zeros, no fraction or exponent); anything
    /// beyond 18 digits is left to serde.
    pub(crate) fn int(&mut self) -> Option<i64> {
        let negative = self.eat(b'-');
        let digits_start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        let digits = &self.bytes[digits_start..self.pos];
        if digits.is_empty()
            || digits.len() > 18
            || (digits.len() > 1 && digits[0] == b'0')
            || matches!(self.bytes.get(self.pos), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let magnitude = digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        Some(if negative { -magnitude } else { magnitude })
    }

    /// An `i32` member as serde reads one: out of range is an error there, so not plain here.
    pub(crate) fn i32(&mut self) -> Option<i32> {
        i32::try_from(self.int()?).ok()
    }

    /// The value of a member the reader does not use: a plain string, an integer, a boolean
    /// or null.
    pub(crate) fn skip_scalar(&mut self) -> Option<()> {
        match self.bytes.get(self.pos)? {
            b'"' => self.string().map(drop),
            b'n' => self.eat_null().then_some(()),
            b't' | b'f' => self.boolean().map(drop),
            _ => self.int().map(drop),
        }
    }

    /// An object: `member` is called with each key and reads that member's value.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            member(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// How many bytes have been read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Whether only whitespace is left (serde allows it after the value).
    pub(crate) fn at_end(&self) -> bool {
        self.bytes[self.pos..].iter().all(u8::is_ascii_whitespace)
    }
}
