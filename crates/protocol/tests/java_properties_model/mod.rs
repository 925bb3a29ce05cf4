//! An executable description of what `java.util.Properties.load(Reader)` (JDK 9 and later)
//! reads, kept apart from the production parser so the two can be compared: by the
//! `properties_java` tests here and by the `properties` fuzz target.
//!
//! It follows the JDK's own shape on purpose, which is unlike ours: one pass over UTF-16
//! code units with a handful of flags deciding what each unit does, returning a logical
//! line at each unescaped line end, then the key/value split and the escape conversion on
//! the units of that line. `Err(())` is Java's IllegalArgumentException for a malformed
//! `\uXXXX`; the entries are the `put` calls in order.

const SPACE: u16 = b' ' as u16;
const TAB: u16 = b'\t' as u16;
const FORM_FEED: u16 = 0x0c;
const LF: u16 = b'\n' as u16;
const CR: u16 = b'\r' as u16;
const BACKSLASH: u16 = b'\\' as u16;

fn blank(u: u16) -> bool {
    u == SPACE || u == TAB || u == FORM_FEED
}

fn line_end(u: u16) -> bool {
    u == LF || u == CR
}

/// What Java's `load` puts, in order, or `Err` where it throws.
pub fn java_load(text: &str) -> Result<Vec<(String, String)>, ()> {
    let input: Vec<u16> = text.encode_utf16().collect();
    let mut reader = Reader { input, pos: 0 };
    let mut out = Vec::new();
    while let Some(line) = reader.logical_line() {
        out.push(split(&line)?);
    }
    Ok(out)
}

struct Reader {
    input: Vec<u16>,
    pos: usize,
}

impl Reader {
    fn next(&mut self) -> Option<u16> {
        let u = self.input.get(self.pos).copied();
        self.pos += usize::from(u.is_some());
        u
    }

    fn logical_line(&mut self) -> Option<Vec<u16>> {
        let mut line: Vec<u16> = Vec::new();
        let mut skipping_blanks = true;
        let mut after_continuation = false;
        let mut odd_backslash = false;
        loop {
            let Some(u) = self.next() else {
                if line.is_empty() {
                    return None;
                }
                if odd_backslash {
                    line.pop();
                }
                return Some(line);
            };
            if skipping_blanks {
                if blank(u) || (!after_continuation && line_end(u)) {
                    continue;
                }
                skipping_blanks = false;
                after_continuation = false;
            }
            if line.is_empty() && (u == u16::from(b'#') || u == u16::from(b'!')) {
                while let Some(c) = self.next() {
                    if line_end(c) {
                        break;
                    }
                }
                skipping_blanks = true;
                continue;
            }
            if !line_end(u) {
                line.push(u);
                odd_backslash = u == BACKSLASH && !odd_backslash;
                continue;
            }
            if line.is_empty() {
                skipping_blanks = true;
                continue;
            }
            if self.pos >= self.input.len() {
                if odd_backslash {
                    line.pop();
                }
                return Some(line);
            }
            if !odd_backslash {
                return Some(line);
            }
            line.pop();
            skipping_blanks = true;
            after_continuation = true;
            odd_backslash = false;
            if u == CR && self.input.get(self.pos) == Some(&LF) {
                self.pos += 1;
            }
        }
    }
}

fn split(line: &[u16]) -> Result<(String, String), ()> {
    let eq = u16::from(b'=');
    let colon = u16::from(b':');
    let mut key_len = 0;
    let mut value_start = line.len();
    let mut separated = false;
    let mut escaped = false;
    while key_len < line.len() {
        let u = line[key_len];
        if !escaped && (u == eq || u == colon) {
            value_start = key_len + 1;
            separated = true;
            break;
        }
        if !escaped && blank(u) {
            value_start = key_len + 1;
            break;
        }
        escaped = if u == BACKSLASH { !escaped } else { false };
        key_len += 1;
    }
    while value_start < line.len() {
        let u = line[value_start];
        if !blank(u) {
            if !separated && (u == eq || u == colon) {
                separated = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    Ok((convert(&line[..key_len])?, convert(&line[value_start..])?))
}

fn convert(units: &[u16]) -> Result<String, ()> {
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let u = units[i];
        i += 1;
        if u != BACKSLASH {
            out.push(u);
            continue;
        }
        let e = units[i];
        i += 1;
        if e == u16::from(b'u') {
            if i + 4 > units.len() {
                return Err(());
            }
            let mut value: u16 = 0;
            for &d in &units[i..i + 4] {
                let digit = char::from_u32(u32::from(d))
                    .and_then(|c| c.to_digit(16))
                    .ok_or(())?;
                value = (value << 4) + digit as u16;
            }
            i += 4;
            out.push(value);
        } else {
            out.push(match u8::try_from(e) {
                Ok(b't') => TAB,
                Ok(b'r') => CR,
                Ok(b'n') => LF,
                Ok(b'f') => FORM_FEED,
                _ => e,
            });
        }
    }
    Ok(String::from_utf16_lossy(&out))
}
