//! Rule-language expressions: parsed once, checked against an allowlist.
//!
//! The pipeline file's `where`, `value`, `when` and `total_arrears_eur` are
//! parsed with the SQL expression parser DataFusion uses, and only this
//! much of SQL is accepted: names of the place's own columns (a feature's
//! source, or the features for rules), declared parameters, literals,
//! arithmetic, comparison, boolean logic, `IN` lists, `BETWEEN`, `IS [NOT]
//! NULL`, `CASE`, `coalesce`, `date_trunc`, dates (`{as_of}`, `{as_of -
//! n}`, `DATE '…'`), and, in `value` only, the aggregates `count`,
//! `count(DISTINCT …)`, `sum`, `min` and `max`. No subquery, no other
//! table, no window or table function, nothing volatile, and no nesting
//! deeper than [`MAX_DEPTH`]: what the published file says is all that runs,
//! and a run cannot be made to read other data or exhaust the machine.
//!
//! Placeholders become `$1`, `$2`, … in the parsed tree and are bound to
//! values (parameters, dates) only when a plan is built for an as-of date,
//! so the parsed form is independent of T and of the parameter values.

use crate::did_you_mean;
use crate::model::ParamValue;
use crate::template::{Placeholder, Spot, placeholders, render};
use chrono::NaiveDate;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use sqlparser::ast::{
    BinaryOperator, DataType, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, ObjectNamePart, TypedString, UnaryOperator, Value, visit_expressions_mut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// The deepest an expression may nest (operators, calls, parentheses).
pub const MAX_DEPTH: usize = 32;

/// The longest an expression's text may be, in bytes.
pub const MAX_LENGTH: usize = 2_000;

/// The scalar functions the rule language has.
pub const FUNCTIONS: &[&str] = &["coalesce", "date_trunc"];

/// The aggregates a feature's `value` may use.
pub const AGGREGATES: &[&str] = &["count", "sum", "min", "max"];

/// Where an expression stands, which decides what it may use.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The names it may refer to: a source's columns, or feature names.
    pub names: &'a [&'a str],
    /// What the names are, for messages: `columns of rent_arrears`.
    pub names_are: &'a str,
    /// `value`: aggregates required, every name inside one.
    pub aggregate: bool,
}

/// A parsed, checked expression, with the text it was written as.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub(crate) text: String,
    pub(crate) spots: Vec<Spot>,
    pub(crate) parsed: Expr,
}

impl Serialize for Expression {
    /// The parsed form and its placeholders: two files that differ only in
    /// layout have the same rule-set hash; a changed operator does not.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Expression", 2)?;
        st.serialize_field("parsed", &self.parsed.to_string())?;
        let p: Vec<&Placeholder> = self.spots.iter().map(|(_, _, p)| p).collect();
        st.serialize_field("placeholders", &p)?;
        st.end()
    }
}

impl Expression {
    /// Parses and checks `text` for `scope`. Errors say what is wrong and
    /// quote the offending part.
    pub fn parse(
        text: &str,
        params: &BTreeMap<String, ParamValue>,
        scope: Scope<'_>,
    ) -> Result<Expression, String> {
        if text.len() > MAX_LENGTH {
            return Err(format!(
                "is {} characters long; an expression may have at most {MAX_LENGTH}",
                text.len()
            ));
        }
        if let Some(i) = text.find('$') {
            return Err(format!(
                "`$` at character {} is not part of the rule language; parameters are written {{name}}",
                i + 1
            ));
        }
        let spots = placeholders(text, params)?;
        let mut sql = String::with_capacity(text.len() + 8);
        let mut last = 0;
        for (i, (start, end, p)) in spots.iter().enumerate() {
            sql.push_str(&text[last..*start]);
            let list = matches!(p, Placeholder::Param(n) if matches!(params.get(n), Some(ParamValue::List(_))));
            if list {
                sql.push_str(&format!(" (${}) ", i + 1));
            } else {
                sql.push_str(&format!(" ${} ", i + 1));
            }
            last = *end;
        }
        sql.push_str(&text[last..]);
        let dialect = GenericDialect {};
        // A comment would hide the rest of the text from the rule and from
        // the rule-set hash, which covers the parsed form only.
        let tokens = Tokenizer::new(&dialect, &sql)
            .tokenize()
            .map_err(|e| format!("cannot be read: {}", tidy(&e.to_string())))?;
        if tokens.iter().any(|t| {
            matches!(
                t,
                Token::Whitespace(
                    Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)
                )
            )
        }) {
            return Err(
                "comments (`--`, `/* */`) are not part of the rule language; explain a rule in its `description`".into(),
            );
        }
        let mut parser = Parser::new(&dialect)
            .with_recursion_limit(MAX_DEPTH * 2)
            .try_with_sql(&sql)
            .map_err(|e| format!("cannot be read: {}", tidy(&e.to_string())))?;
        let parsed = parser
            .parse_expr()
            .map_err(|e| format!("cannot be read: {}", tidy(&e.to_string())))?;
        let next = parser.peek_token();
        if next.token != Token::EOF {
            return Err(format!(
                "cannot be read: `{}` after the end of the expression `{}`",
                next.token,
                shown(&parsed, &spots, text)
            ));
        }
        let mut walk = Walk {
            scope,
            spots: &spots,
            params,
            text,
            in_aggregate: false,
            aggregates: 0,
        };
        walk.expr(&parsed, 0)?;
        if scope.aggregate && walk.aggregates == 0 {
            return Err(
                "must aggregate the rows of a household: use count, sum, min or max".into(),
            );
        }
        Ok(Expression {
            text: text.to_string(),
            spots,
            parsed,
        })
    }

    /// The names (columns or features) the expression refers to.
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        let _ = sqlparser::ast::visit_expressions(&self.parsed, |e| {
            if let Expr::Identifier(id) = e {
                names.insert(id.value.clone());
            }
            ControlFlow::<()>::Continue(())
        });
        names
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The expression as written, parameters and dates filled in for
    /// `as_of`: what the report and `vroeg explain` show.
    pub fn render(&self, params: &BTreeMap<String, ParamValue>, as_of: NaiveDate) -> String {
        render(&self.text, &self.spots, params, as_of)
    }

    /// The parsed tree with every placeholder replaced by its value at
    /// `as_of`, ready for the query planner.
    pub fn bind(
        &self,
        params: &BTreeMap<String, ParamValue>,
        as_of: NaiveDate,
    ) -> Result<Expr, String> {
        let mut tree = self.parsed.clone();
        let flow = visit_expressions_mut(&mut tree, |e| {
            let bound = match e {
                Expr::Value(v) => match &v.value {
                    Value::Placeholder(p) => match self.value_of(p, params, as_of) {
                        Ok(Bound::One(b)) => Some(b),
                        Ok(Bound::List(_)) => None,
                        Err(m) => return ControlFlow::Break(m),
                    },
                    _ => None,
                },
                Expr::InList { list, .. } => {
                    if let Some(p) = list_placeholder(list) {
                        match self.value_of(&p, params, as_of) {
                            Ok(Bound::List(items)) => *list = items,
                            Ok(Bound::One(_)) => {}
                            Err(m) => return ControlFlow::Break(m),
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(b) = bound {
                *e = *b;
            }
            ControlFlow::Continue(())
        });
        match flow {
            ControlFlow::Break(m) => Err(m),
            ControlFlow::Continue(()) => Ok(tree),
        }
    }

    fn value_of(
        &self,
        token: &str,
        params: &BTreeMap<String, ParamValue>,
        as_of: NaiveDate,
    ) -> Result<Bound, String> {
        let p = token
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.spots.get(i))
            .map(|(_, _, p)| p)
            .ok_or_else(|| format!("placeholder `{token}` is not the rule language's"))?;
        if let Some(d) = p.date(params, as_of) {
            return Ok(Bound::One(Box::new(date(d?))));
        }
        let Placeholder::Param(name) = p else {
            return Err(format!("placeholder `{token}` has no value"));
        };
        let number = |n: String| Expr::value(Value::Number(n, false));
        let text = |t: &str| Expr::value(Value::SingleQuotedString(t.to_string()));
        Ok(match params.get(name) {
            Some(ParamValue::Int(i)) => Bound::One(Box::new(number(i.to_string()))),
            Some(ParamValue::Decimal(d)) => Bound::One(Box::new(number(d.clone()))),
            Some(ParamValue::Text(t)) => Bound::One(Box::new(text(t))),
            Some(ParamValue::List(l)) => Bound::List(l.iter().map(|t| text(t)).collect()),
            None => return Err(format!("unknown parameter `{{{name}}}`")),
        })
    }
}

/// The placeholder an `IN` list consists of (`x IN {kinds}`), if it is one.
fn list_placeholder(list: &[Expr]) -> Option<String> {
    let single = match list {
        [Expr::Nested(inner)] => inner.as_ref(),
        [one] => one,
        _ => return None,
    };
    match single {
        Expr::Value(v) => match &v.value {
            Value::Placeholder(p) => Some(p.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A placeholder's value: one expression, or the items of a list.
enum Bound {
    One(Box<Expr>),
    List(Vec<Expr>),
}

fn date(d: NaiveDate) -> Expr {
    Expr::TypedString(TypedString {
        data_type: DataType::Date,
        value: Value::SingleQuotedString(d.to_string()).into(),
        uses_odbc_syntax: false,
    })
}

/// The parser's message without its `sql parser error: ` prefix.
fn tidy(message: &str) -> String {
    message.trim_start_matches("sql parser error: ").to_string()
}

/// A part of the parsed tree as the user wrote it: placeholders shown as
/// `{name}` again, and long parts cut.
fn shown(e: &Expr, spots: &[Spot], text: &str) -> String {
    let mut s = e.to_string();
    for (i, (start, end, _)) in spots.iter().enumerate().rev() {
        s = s.replace(&format!("${}", i + 1), &text[*start..*end]);
    }
    if s.chars().count() > 80 {
        s = s.chars().take(77).collect::<String>() + "...";
    }
    s
}

struct Walk<'a> {
    scope: Scope<'a>,
    spots: &'a [Spot],
    params: &'a BTreeMap<String, ParamValue>,
    text: &'a str,
    in_aggregate: bool,
    aggregates: usize,
}

impl Walk<'_> {
    fn refuse(&self, e: &Expr, why: &str) -> String {
        format!("`{}`: {why}", shown(e, self.spots, self.text))
    }

    fn is_list(&self, token: &str) -> bool {
        token
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.spots.get(i))
            .is_some_and(|(_, _, p)| {
                matches!(p, Placeholder::Param(n) if matches!(self.params.get(n), Some(ParamValue::List(_))))
            })
    }

    fn expr(&mut self, e: &Expr, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "nests deeper than {MAX_DEPTH} levels; split it into features"
            ));
        }
        let d = depth + 1;
        match e {
            Expr::Identifier(id) => self.name(e, &id.value, id.quote_style.is_some()),
            Expr::CompoundIdentifier(_) => Err(self.refuse(
                e,
                "qualified names are not part of the rule language; write the column name alone",
            )),
            Expr::Value(v) => match &v.value {
                Value::Number(..)
                | Value::SingleQuotedString(_)
                | Value::Boolean(_)
                | Value::Null => Ok(()),
                Value::Placeholder(p) if self.is_list(p) => Err(self.refuse(
                    e,
                    "a list parameter goes only after IN, as in `x IN {list}`",
                )),
                Value::Placeholder(_) => Ok(()),
                _ => Err(self.refuse(
                    e,
                    "this kind of literal is not part of the rule language; use numbers, 'texts', true, false, null",
                )),
            },
            Expr::TypedString(t) => match (&t.data_type, &t.value.value) {
                (DataType::Date, Value::SingleQuotedString(s))
                    if !t.uses_odbc_syntax && s.parse::<NaiveDate>().is_ok() =>
                {
                    Ok(())
                }
                _ => Err(self.refuse(e, "the only typed literal is a date, DATE 'YYYY-MM-DD'")),
            },
            Expr::BinaryOp { left, op, right } => {
                use BinaryOperator as B;
                match op {
                    B::Plus
                    | B::Minus
                    | B::Multiply
                    | B::Divide
                    | B::Modulo
                    | B::Gt
                    | B::Lt
                    | B::GtEq
                    | B::LtEq
                    | B::Eq
                    | B::NotEq
                    | B::And
                    | B::Or => {
                        self.expr(left, d)?;
                        self.expr(right, d)
                    }
                    other => Err(self.refuse(
                        e,
                        &format!(
                            "operator `{other}` is not part of the rule language (use + - * / % = <> < <= > >= AND OR NOT)"
                        ),
                    )),
                }
            }
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not | UnaryOperator::Minus | UnaryOperator::Plus => {
                    self.expr(expr, d)
                }
                other => Err(self.refuse(
                    e,
                    &format!("operator `{other}` is not part of the rule language"),
                )),
            },
            Expr::Nested(inner)
            | Expr::IsNull(inner)
            | Expr::IsNotNull(inner)
            | Expr::IsTrue(inner)
            | Expr::IsNotTrue(inner)
            | Expr::IsFalse(inner)
            | Expr::IsNotFalse(inner) => self.expr(inner, d),
            Expr::InList { expr, list, .. } => {
                self.expr(expr, d)?;
                if let Some(p) = list_placeholder(list)
                    && self.is_list(&p)
                {
                    return Ok(());
                }
                list.iter().try_for_each(|x| self.expr(x, d))
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr, d)?;
                self.expr(low, d)?;
                self.expr(high, d)
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.expr(o, d)?;
                }
                for w in conditions {
                    self.expr(&w.condition, d)?;
                    self.expr(&w.result, d)?;
                }
                match else_result {
                    Some(x) => self.expr(x, d),
                    None => Ok(()),
                }
            }
            Expr::Function(f) => self.function(e, f, d),
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => Err(
                self.refuse(e, "subqueries are not part of the rule language: a feature reads its own source only"),
            ),
            _ => Err(self.refuse(e, "this construct is not part of the rule language")),
        }
    }

    fn name(&self, e: &Expr, name: &str, quoted: bool) -> Result<(), String> {
        if quoted || !self.scope.names.contains(&name) {
            return Err(format!(
                "unknown name `{name}`{}; the names here are the {}: {}",
                did_you_mean(name, self.scope.names),
                self.scope.names_are,
                self.scope.names.join(", ")
            ));
        }
        if self.scope.aggregate && !self.in_aggregate {
            return Err(self.refuse(
                e,
                "in `value` a column is used inside an aggregate (count, sum, min, max)",
            ));
        }
        Ok(())
    }

    fn function(
        &mut self,
        e: &Expr,
        f: &sqlparser::ast::Function,
        depth: usize,
    ) -> Result<(), String> {
        let name = match f.name.0.as_slice() {
            [ObjectNamePart::Identifier(id)] if id.quote_style.is_none() => {
                id.value.to_ascii_lowercase()
            }
            _ => return Err(self.refuse(e, "not a function of the rule language")),
        };
        let aggregate = AGGREGATES.contains(&name.as_str());
        if !aggregate && !FUNCTIONS.contains(&name.as_str()) {
            let all: Vec<&str> = if self.scope.aggregate {
                FUNCTIONS.iter().chain(AGGREGATES).copied().collect()
            } else {
                FUNCTIONS.to_vec()
            };
            return Err(format!(
                "function `{name}` is not part of the rule language{}; the functions here are {}",
                did_you_mean(&name, &all),
                all.join(", ")
            ));
        }
        if f.over.is_some()
            || f.filter.is_some()
            || f.null_treatment.is_some()
            || !f.within_group.is_empty()
            || f.uses_odbc_syntax
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(self.refuse(
                e,
                "window functions, FILTER and WITHIN GROUP are not part of the rule language",
            ));
        }
        let FunctionArguments::List(list) = &f.args else {
            return Err(self.refuse(e, "a function is called with its arguments in parentheses"));
        };
        if !list.clauses.is_empty() {
            return Err(self.refuse(e, "ORDER BY, LIMIT and the like are not allowed in a call"));
        }
        if aggregate {
            if !self.scope.aggregate {
                return Err(self.refuse(
                    e,
                    &format!("the aggregate `{name}` is allowed only in a feature's `value`"),
                ));
            }
            if self.in_aggregate {
                return Err(self.refuse(e, "an aggregate inside an aggregate"));
            }
            if matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct))
                && name != "count"
            {
                return Err(self.refuse(e, "DISTINCT goes only with count"));
            }
            self.aggregates += 1;
        } else if list.duplicate_treatment.is_some() {
            return Err(self.refuse(e, "DISTINCT goes only with count"));
        }
        let was = self.in_aggregate;
        self.in_aggregate |= aggregate;
        let arity_ok = match name.as_str() {
            "coalesce" => !list.args.is_empty(),
            "date_trunc" => list.args.len() == 2,
            _ => list.args.len() == 1,
        };
        if !arity_ok {
            return Err(self.refuse(e, &format!("`{name}` takes another number of arguments")));
        }
        for arg in &list.args {
            match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => self.expr(x, depth)?,
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard)
                    if name == "count" && list.duplicate_treatment.is_none() => {}
                _ => return Err(self.refuse(e, "arguments are expressions (or `*` in count(*))")),
            }
        }
        self.in_aggregate = was;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, ParamValue> {
        let mut p = BTreeMap::new();
        p.insert("days".to_string(), ParamValue::Int(30));
        p.insert("min_eur".to_string(), ParamValue::Decimal("75.5".into()));
        p.insert(
            "kinds".to_string(),
            ParamValue::List(vec!["a".into(), "o'b".into()]),
        );
        p
    }

    const NAMES: &[&str] = &["x", "k", "d", "e", "f", "amount"];

    fn parse(text: &str, aggregate: bool) -> Result<Expression, String> {
        Expression::parse(
            text,
            &params(),
            Scope {
                names: NAMES,
                names_are: "columns of t",
                aggregate,
            },
        )
    }

    fn rows(text: &str) -> Result<Expression, String> {
        parse(text, false)
    }

    fn value(text: &str) -> Result<Expression, String> {
        parse(text, true)
    }

    fn t() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
    }

    #[test]
    fn binds_params_lists_and_dates() {
        let e = rows("x >= {min_eur} AND k IN {kinds} AND d <= {as_of - days} AND e > {as_of-7} AND f <= {as_of}").unwrap();
        assert_eq!(
            e.bind(&params(), t()).unwrap().to_string(),
            "x >= 75.5 AND k IN ('a', 'o''b') AND d <= DATE '2026-10-01' AND e > DATE '2026-10-24' AND f <= DATE '2026-10-31'"
        );
        assert_eq!(
            e.render(&params(), t()),
            "x >= 75.5 AND k IN ('a', 'o''b') AND d <= DATE '2026-10-01' AND e > DATE '2026-10-24' AND f <= DATE '2026-10-31'"
        );
        let names: Vec<String> = e.names().into_iter().collect();
        assert_eq!(names, ["d", "e", "f", "k", "x"]);
    }

    #[test]
    fn the_hash_form_ignores_layout_but_not_meaning() {
        let json = |e: &Expression| serde_json::to_string(e).unwrap();
        assert_eq!(
            json(&rows("x   >=\n{min_eur}").unwrap()),
            json(&rows("x >= {min_eur}").unwrap())
        );
        assert_ne!(
            json(&rows("x > {min_eur}").unwrap()),
            json(&rows("x >= {min_eur}").unwrap())
        );
    }

    #[test]
    fn unknown_names_and_parameters_suggest_the_closest() {
        assert_eq!(
            rows("x >= {min_euro}").unwrap_err(),
            "unknown parameter `{min_euro}` (did you mean `min_eur`?); define it under [params]"
        );
        assert_eq!(
            rows("amont > 1").unwrap_err(),
            "unknown name `amont` (did you mean `amount`?); the names here are the columns of t: x, k, d, e, f, amount"
        );
        assert!(
            rows("d <= {as_of - min_eur}")
                .unwrap_err()
                .contains("needs a whole number of days")
        );
        assert!(rows("x >= {days").is_err());
    }

    #[test]
    fn hostile_expressions_are_refused_naming_the_part() {
        for (text, part) in [
            ("true) OR (true", "`)` after the end of the expression"),
            ("x IN (SELECT x FROM households)", "subqueries are not part"),
            (
                "EXISTS (SELECT 1 FROM households)",
                "subqueries are not part",
            ),
            ("random() > 0.5", "function `random` is not part"),
            ("x > (SELECT count(*) FROM t)", "subqueries are not part"),
            ("t.x > 1", "qualified names"),
            ("sum(x) > 1", "allowed only in a feature's `value`"),
            (
                "k IN {kinds} OR {kinds} = 'a'",
                "list parameter goes only after IN",
            ),
            ("CAST(x AS INT) > 1", "this construct is not part"),
            ("x > 1; DROP TABLE t", "after the end of the expression"),
            ("$1 > 0", "`$` at character 1"),
            ("\"x\" > 1", "unknown name `x`"),
            ("x >= {as_of - 40000}", "0 to 36500"),
        ] {
            let e = rows(text).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
        let deep = format!("{}x{}", "(".repeat(40), ")".repeat(40));
        assert!(rows(&deep).is_err());
        let long = format!("x{}", " + 1".repeat(5000));
        assert!(rows(&long).unwrap_err().contains("at most 2000"));
        for commented in ["x >= 1 -- AND x >= 999", "x >= 1 /* AND x >= 999 */"] {
            assert!(
                rows(commented)
                    .unwrap_err()
                    .starts_with("comments (`--`, `/* */`)"),
                "{commented}"
            );
        }
        assert!(rows("k = '--not a comment'").is_ok());
        let nested = format!("x{}", " + 1".repeat(400));
        assert!(rows(&nested).unwrap_err().contains("nests deeper than 32"));
    }

    #[test]
    fn value_must_aggregate_its_columns() {
        assert!(value("count(*)").is_ok());
        assert!(value("count(DISTINCT date_trunc('month', d))").is_ok());
        assert!(value("sum(amount) - min(x)").is_ok());
        assert!(value("amount").unwrap_err().contains("inside an aggregate"));
        assert!(value("1").unwrap_err().contains("must aggregate"));
        assert!(
            value("sum(max(x))")
                .unwrap_err()
                .contains("inside an aggregate")
        );
        assert!(
            value("sum(DISTINCT x)")
                .unwrap_err()
                .contains("DISTINCT goes only")
        );
        assert!(
            value("sum(x) OVER ()")
                .unwrap_err()
                .contains("window functions")
        );
        assert!(
            value("sum(*)")
                .unwrap_err()
                .contains("arguments are expressions")
        );
    }
}
