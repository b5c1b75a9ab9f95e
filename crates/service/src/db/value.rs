//! The values and rows of write transactions, the same whichever engine
//! runs them: SQLite through rusqlite on the writer thread, or Postgres
//! through sqlx. Store code binds [`Value`]s and decodes rows with
//! [`FromRow`], so its SQL is written once.

use super::{Result, StoreError};

/// A bound parameter or a column value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Integers (and booleans as 0/1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds the parameter list of a statement: `args![a, b, c]`.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::db::Value::from($v)),*] };
}

fn mismatch(expected: &str, got: &Value) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(format!("expected {expected}, got {got:?}").into()))
}

/// A Rust value read from one column.
pub trait FromValue: Sized {
    /// Decodes the value.
    fn from_value(v: Value) -> Result<Self>;
}

impl FromValue for i64 {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(mismatch("an integer", &other)),
        }
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(mismatch("text", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(mismatch("bytes", &other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A Rust value read from a whole row, by column position.
pub trait FromRow: Sized {
    /// Decodes the row's columns, in order.
    fn from_row(columns: Vec<Value>) -> Result<Self>;
}

/// Takes the columns of a row in order.
pub struct Columns(std::vec::IntoIter<Value>);

impl Columns {
    /// Starts reading `columns`.
    pub fn new(columns: Vec<Value>) -> Self {
        Columns(columns.into_iter())
    }

    /// The next column, decoded.
    pub fn take<T: FromValue>(&mut self) -> Result<T> {
        T::from_value(self.0.next().ok_or_else(|| mismatch("another column", &Value::Null))?)
    }
}

macro_rules! tuple_from_row {
    ($($t:ident),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(columns: Vec<Value>) -> Result<Self> {
                let mut c = Columns::new(columns);
                Ok(($(c.take::<$t>()?,)+))
            }
        }
    };
}

tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);
tuple_from_row!(A, B, C, D, E);

/// Implements [`FromRow`] for a struct whose fields are the selected
/// columns, in order: `row_struct!(Clinic { id, slug, name })`.
#[macro_export]
macro_rules! row_struct {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::db::FromRow for $ty {
            fn from_row(columns: Vec<$crate::db::Value>) -> $crate::db::Result<Self> {
                let mut c = $crate::db::Columns::new(columns);
                Ok($ty { $($field: c.take()?),+ })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_decode_by_position_and_nulls_become_none() {
        let (a, b, c): (i64, String, Option<Vec<u8>>) =
            FromRow::from_row(vec![Value::Int(7), Value::Text("x".into()), Value::Null]).unwrap();
        assert_eq!((a, b.as_str(), c), (7, "x", None));
        assert!(<(i64,)>::from_row(vec![Value::Text("7".into())]).is_err());
        assert!(<(i64, i64)>::from_row(vec![Value::Int(1)]).is_err());
    }

    #[test]
    fn args_convert_what_store_code_binds() {
        let v: Vec<Value> = args![1_i64, "a", None::<String>, true, vec![1u8]];
        assert_eq!(v, vec![Value::Int(1), Value::Text("a".into()), Value::Null, Value::Int(1), Value::Blob(vec![1])]);
    }
}
