//! An RFC-4180 record splitter that also reports which fields were quoted.
//!
//! The csv crate does not say whether a field was quoted, and the reader
//! needs to know (R's `write.csv` quotes strings and factors, so `"2"` is a
//! factor level, `2` a number). Splitting here, in one pass over the text,
//! gives the field text and its quoting together, with exact line numbers.
//! Quoting rules follow the csv crate's: a field is quoted when it starts
//! with `"`; inside, `""` is a literal quote; text after a closing quote is
//! appended literally; a `"` inside an unquoted field is literal.

/// One record: all field texts concatenated in one reused buffer, so that
/// reading a row allocates nothing once the buffers have grown.
#[derive(Debug, Default)]
pub(crate) struct Record {
    text: String,
    ends: Vec<usize>,
    quoted: Vec<bool>,
    /// 1-based line on which the record starts.
    pub(crate) line: u64,
}

impl Record {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of field `i` (quotes removed, `""` unescaped).
    pub(crate) fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Whether field `i` was quoted in the file.
    pub(crate) fn quoted(&self, i: usize) -> bool {
        self.quoted[i]
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.quoted.clear();
    }
}

/// A quoted field ran to the end of the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote {
    /// 1-based line where the quoted field starts.
    pub(crate) line: u64,
}

/// Splits a whole file's text into records.
pub(crate) struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Tokenizer<'a> {
        Tokenizer::at_line(text, 1)
    }

    /// A tokenizer at the start of `text`, which begins on line `line` of the file.
    pub(crate) fn at_line(text: &'a str, line: u64) -> Tokenizer<'a> {
        Tokenizer { text, pos: 0, line }
    }

    /// Byte offset of the next unread character, and the line it is on.
    pub(crate) fn position(&self) -> (usize, u64) {
        (self.pos, self.line)
    }

    /// Reads the next record into `rec`; `Ok(false)` at the end of the text.
    /// Blank lines (empty or only spaces and tabs) are skipped, as R's
    /// `read.csv` skips them.
    pub(crate) fn next_record(&mut self, rec: &mut Record) -> Result<bool, UnterminatedQuote> {
        rec.clear();
        let bytes = self.text.as_bytes();
        if !self.skip_blank_lines() {
            return Ok(false);
        }
        rec.line = self.line;
        loop {
            let quoted = bytes.get(self.pos) == Some(&b'"');
            if quoted {
                let open_line = self.line;
                self.pos += 1;
                loop {
                    let Some(off) = bytes[self.pos..].iter().position(|&b| b == b'"') else {
                        return Err(UnterminatedQuote { line: open_line });
                    };
                    let end = self.pos + off;
                    let chunk = &self.text[self.pos..end];
                    self.line += chunk.bytes().filter(|&b| b == b'\n').count() as u64;
                    rec.text.push_str(chunk);
                    self.pos = end + 1;
                    if bytes.get(self.pos) == Some(&b'"') {
                        rec.text.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            // The unquoted field, or whatever follows a closing quote.
            let start = self.pos;
            while self.pos < bytes.len() && !matches!(bytes[self.pos], b',' | b'\n' | b'\r') {
                self.pos += 1;
            }
            rec.text.push_str(&self.text[start..self.pos]);
            rec.ends.push(rec.text.len());
            rec.quoted.push(quoted);
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(_) => {
                    self.end_line();
                    return Ok(true);
                }
                None => return Ok(true),
            }
        }
    }

    /// Moves past blank lines; `false` when the text is exhausted.
    fn skip_blank_lines(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        loop {
            let mut p = self.pos;
            while p < bytes.len() && matches!(bytes[p], b' ' | b'\t') {
                p += 1;
            }
            match bytes.get(p) {
                None => return false,
                Some(b'\n' | b'\r') => {
                    self.pos = p;
                    self.end_line();
                }
                Some(_) => return true,
            }
        }
    }

    /// Consumes one line terminator (`\n`, `\r\n` or a lone `\r`) at `pos`.
    fn end_line(&mut self) {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b'\r') {
            self.pos += 1;
        }
        if bytes.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
        }
        self.line += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's line and its (text, quoted) fields.
    type Records = Vec<(u64, Vec<(String, bool)>)>;

    fn records(text: &str) -> Result<Records, UnterminatedQuote> {
        let mut t = Tokenizer::new(text);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while t.next_record(&mut rec)? {
            let fields = (0..rec.len())
                .map(|i| (rec.field(i).to_string(), rec.quoted(i)))
                .collect();
            out.push((rec.line, fields));
        }
        Ok(out)
    }

    fn f(s: &str, q: bool) -> (String, bool) {
        (s.to_string(), q)
    }

    #[test]
    fn splits_fields_and_reports_quoting() {
        let r = records("a,\"b\",c\n1,\"x,y\",\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], (1, vec![f("a", false), f("b", true), f("c", false)]));
        assert_eq!(r[1], (2, vec![f("1", false), f("x,y", true), f("", false)]));
    }

    #[test]
    fn unescapes_doubled_quotes_and_keeps_newlines_in_quotes() {
        let r = records("\"say \"\"hi\"\"\",\"two\nlines\"\nnext,row").unwrap();
        assert_eq!(r[0], (1, vec![f("say \"hi\"", true), f("two\nlines", true)]));
        // The record after a quoted newline starts on line 3.
        assert_eq!(r[1], (3, vec![f("next", false), f("row", false)]));
    }

    #[test]
    fn handles_crlf_lone_cr_blank_lines_and_missing_final_newline() {
        let r = records("a,b\r\n\r\n  \t\n1,2\r3,4").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (4, vec![f("1", false), f("2", false)]));
        assert_eq!(r[2], (5, vec![f("3", false), f("4", false)]));
    }

    #[test]
    fn lenient_like_the_csv_crate() {
        let r = records("\"ab\"c,d\"e\n").unwrap();
        assert_eq!(r[0].1, vec![f("abc", true), f("d\"e", false)]);
        let r = records("\"\"\n").unwrap();
        assert_eq!(r[0].1, vec![f("", true)]);
    }

    #[test]
    fn unterminated_quote_is_reported_with_its_line() {
        assert_eq!(records("a\n\"open\n\n").unwrap_err(), UnterminatedQuote { line: 2 });
    }

    #[test]
    fn empty_text_has_no_records() {
        assert!(records("").unwrap().is_empty());
        assert!(records("\n\n").unwrap().is_empty());
    }
}
