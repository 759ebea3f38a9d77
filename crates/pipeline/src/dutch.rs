//! The rule set in plain Dutch, for the algorithm register: the Dutch texts
//! of features and rules with their parameters filled in, and every
//! expression read out with its thresholds (`ten minste 75,00`).

use crate::expr::Expression;
use crate::model::ParamValue;
use crate::template::{DaysBack, Placeholder, placeholders};
use sqlparser::ast::{
    BinaryOperator as B, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    UnaryOperator, Value,
};
use std::collections::BTreeMap;

/// The longest Dutch text of a feature or rule.
pub const DUTCH_MAX: usize = 400;

/// Checks a `description_nl`: not empty, at most [`DUTCH_MAX`] characters,
/// no `<` or `>` (the register's HTML), placeholders only of parameters.
pub(crate) fn checked(
    text: Option<&str>,
    params: &BTreeMap<String, ParamValue>,
) -> Result<Option<String>, String> {
    let Some(text) = text else { return Ok(None) };
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty; leave it out or write the meaning in Dutch".into());
    }
    if t.chars().count() > DUTCH_MAX {
        return Err(format!("is longer than {DUTCH_MAX} characters"));
    }
    if let Some(c) = crate::register::odd_char(t, false) {
        return Err(format!(
            "holds the invisible or control character U+{:04X}; write plain text",
            c as u32
        ));
    }
    if t.contains(['<', '>']) {
        return Err("may not hold `<` or `>`; write e.g. \"ten minste\"".into());
    }
    for (_, _, p) in placeholders(t, params)? {
        if !matches!(p, Placeholder::Param(_)) {
            return Err(
                "{as_of} has no value outside a run; write \"de peildatum\" instead".into(),
            );
        }
    }
    Ok(Some(t.to_string()))
}

/// A parameter's value as Dutch text: decimal comma, lists joined by
/// commas.
pub fn value_nl(v: &ParamValue) -> String {
    match v {
        ParamValue::Int(i) => i.to_string(),
        ParamValue::Decimal(d) => d.replace('.', ","),
        ParamValue::Text(t) => format!("'{t}'"),
        ParamValue::List(l) => l
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A checked Dutch text with its `{param}` placeholders filled in.
pub fn fill(text: &str, params: &BTreeMap<String, ParamValue>) -> String {
    let Ok(spots) = placeholders(text, params) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, p) in &spots {
        out.push_str(&text[last..*start]);
        match p {
            Placeholder::Param(n) => match params.get(n) {
                Some(v) => out.push_str(&value_nl(v)),
                None => out.push_str(&text[*start..*end]),
            },
            other => out.push_str(&placeholder_nl(other, params)),
        }
        last = *end;
    }
    out.push_str(&text[last..]);
    out
}

fn placeholder_nl(p: &Placeholder, params: &BTreeMap<String, ParamValue>) -> String {
    match p {
        Placeholder::Param(n) => params.get(n).map(value_nl).unwrap_or_else(|| n.clone()),
        Placeholder::AsOf => "de peildatum".into(),
        Placeholder::AsOfMinus(DaysBack::Literal(d)) => format!("de peildatum min {d} dagen"),
        Placeholder::AsOfMinus(DaysBack::Param(n)) => match params.get(n) {
            Some(v) => format!("de peildatum min {} dagen", value_nl(v)),
            None => format!("de peildatum min {n} dagen"),
        },
    }
}

/// How tightly an operator binds, as SQL parses it.
fn precedence(op: &B) -> u8 {
    match op {
        B::Or => 1,
        B::And => 2,
        B::Multiply | B::Divide | B::Modulo => 5,
        B::Plus | B::Minus => 4,
        _ => 3,
    }
}

impl Expression {
    /// The expression read out in Dutch with every parameter filled in;
    /// `name` gives the Dutch words for a column or feature name.
    pub fn in_dutch(
        &self,
        params: &BTreeMap<String, ParamValue>,
        name: &dyn Fn(&str) -> String,
    ) -> String {
        Reader {
            expr: self,
            params,
            name,
        }
        .read(&self.parsed)
    }
}

struct Reader<'a> {
    expr: &'a Expression,
    params: &'a BTreeMap<String, ParamValue>,
    name: &'a dyn Fn(&str) -> String,
}

impl Reader<'_> {
    fn placeholder(&self, token: &str) -> String {
        token
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.expr.spots.get(i))
            .map(|(_, _, p)| placeholder_nl(p, self.params))
            .unwrap_or_else(|| token.to_string())
    }

    fn read(&self, e: &Expr) -> String {
        match e {
            Expr::Identifier(id) => (self.name)(&id.value),
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => n.replace('.', ","),
                Value::SingleQuotedString(s) => format!("'{s}'"),
                Value::Boolean(true) => "waar".into(),
                Value::Boolean(false) => "onwaar".into(),
                Value::Null => "onbekend".into(),
                Value::Placeholder(p) => self.placeholder(p),
                other => other.to_string(),
            },
            Expr::TypedString(t) => t.value.value.to_string().trim_matches('\'').to_string(),
            Expr::BinaryOp { left, op, right } => {
                // brackets where the parsed order differs from reading left
                // to right: `a OF b EN c` is ambiguous, `(a of b) en c` not
                let outer = precedence(op);
                let side = |x: &Expr, right_side: bool| {
                    let text = self.read(x);
                    match x {
                        Expr::BinaryOp { op: inner, .. }
                            if precedence(inner) < outer
                                || (matches!(op, B::And | B::Or)
                                    && matches!(inner, B::And | B::Or)
                                    && inner != op)
                                || (right_side
                                    && precedence(inner) == outer
                                    && !matches!(op, B::And | B::Or | B::Plus | B::Multiply)) =>
                        {
                            format!("({text})")
                        }
                        _ => text,
                    }
                };
                let (l, r) = (side(left, false), side(right, true));
                let word = match op {
                    B::And => "en",
                    B::Or => "of",
                    B::Gt => "is meer dan",
                    B::GtEq => "is ten minste",
                    B::Lt => "is minder dan",
                    B::LtEq => "is ten hoogste",
                    B::Eq => "is",
                    B::NotEq => "is niet",
                    B::Plus => "plus",
                    B::Minus => "min",
                    B::Multiply => "maal",
                    B::Divide => "gedeeld door",
                    B::Modulo => "modulo",
                    other => return format!("{l} {other} {r}"),
                };
                format!("{l} {word} {r}")
            }
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => format!("niet {}", self.read(expr)),
                UnaryOperator::Minus => format!("min {}", self.read(expr)),
                _ => self.read(expr),
            },
            Expr::Nested(inner) => format!("({})", self.read(inner)),
            Expr::IsNull(x) => format!("{} is onbekend", self.read(x)),
            Expr::IsNotNull(x) => format!("{} is bekend", self.read(x)),
            Expr::IsTrue(x) => format!("{} is waar", self.read(x)),
            Expr::IsNotTrue(x) => format!("{} is niet waar", self.read(x)),
            Expr::IsFalse(x) => format!("{} is onwaar", self.read(x)),
            Expr::IsNotFalse(x) => format!("{} is niet onwaar", self.read(x)),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let items: Vec<String> = list
                    .iter()
                    .map(|x| match x {
                        Expr::Nested(inner) => self.read(inner),
                        other => self.read(other),
                    })
                    .collect();
                let word = if *negated { "geen van" } else { "een van" };
                format!("{} is {word} {}", self.read(expr), items.join(", "))
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => format!(
                "{} ligt {}tussen {} en {} (grenzen inbegrepen)",
                self.read(expr),
                if *negated { "niet " } else { "" },
                self.read(low),
                self.read(high)
            ),
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut parts = Vec::new();
                for w in conditions {
                    let cond = match operand {
                        Some(o) => format!("{} is {}", self.read(o), self.read(&w.condition)),
                        None => self.read(&w.condition),
                    };
                    parts.push(format!("als {cond}, dan {}", self.read(&w.result)));
                }
                if let Some(x) = else_result {
                    parts.push(format!("anders {}", self.read(x)));
                }
                format!("({})", parts.join("; "))
            }
            Expr::Function(f) => self.function(f),
            other => other.to_string(),
        }
    }

    fn function(&self, f: &sqlparser::ast::Function) -> String {
        let name = f.name.to_string().to_lowercase();
        let FunctionArguments::List(list) = &f.args else {
            return f.to_string();
        };
        let args: Vec<String> = list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => self.read(x),
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => "*".into(),
                other => other.to_string(),
            })
            .collect();
        let distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
        let one = args.first().cloned().unwrap_or_default();
        match name.as_str() {
            "count" if one == "*" => "het aantal rijen".into(),
            "count" if distinct => format!("het aantal verschillende waarden van {one}"),
            "count" => format!("het aantal rijen met {one}"),
            "sum" => format!("de som van {one}"),
            "min" => format!("het minimum van {one}"),
            "max" => format!("het maximum van {one}"),
            "coalesce" => args.join(", anders "),
            "date_trunc" => {
                let unit = match one.trim_matches('\'') {
                    "month" => "de maand",
                    "week" => "de week",
                    "year" => "het jaar",
                    "day" => "de dag",
                    "quarter" => "het kwartaal",
                    other => return format!("{other} van {}", args[1..].join(", ")),
                };
                format!("{unit} van {}", args.get(1).cloned().unwrap_or_default())
            }
            _ => f.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Scope;

    fn params() -> BTreeMap<String, ParamValue> {
        BTreeMap::from([
            ("min_eur".to_string(), ParamValue::Decimal("75.00".into())),
            ("days".to_string(), ParamValue::Int(30)),
            (
                "kinds".to_string(),
                ParamValue::List(vec!["sanction".into(), "other".into()]),
            ),
        ])
    }

    fn parse(text: &str, names: &[&str], aggregate: bool) -> Expression {
        Expression::parse(
            text,
            &params(),
            Scope {
                names,
                names_are: "columns",
                aggregate,
            },
        )
        .unwrap()
    }

    #[test]
    fn thresholds_are_filled_in_and_read_out() {
        let e = parse(
            "arrears_eur >= {min_eur} AND oldest_unpaid_date <= {as_of - days} AND NOT payment_plan",
            &["arrears_eur", "oldest_unpaid_date", "payment_plan"],
            false,
        );
        let out = e.in_dutch(&params(), &|n| format!("[{n}]"));
        assert_eq!(
            out,
            "[arrears_eur] is ten minste 75,00 en [oldest_unpaid_date] is ten hoogste de peildatum min 30 dagen en niet [payment_plan]"
        );
        let e = parse("x > 1 OR x < 0 AND reason = 'a'", &["reason", "x"], false);
        assert_eq!(
            e.in_dutch(&params(), &|n| n.to_string()),
            "x is meer dan 1 of (x is minder dan 0 en reason is 'a')"
        );
        let e = parse("(x + 1) * 2 - (x - 1)", &["x"], false);
        assert_eq!(
            e.in_dutch(&params(), &|n| n.to_string()),
            "(x plus 1) maal 2 min (x min 1)"
        );
        let e = parse("reason IN {kinds} OR x > 1.5", &["reason", "x"], false);
        assert_eq!(
            e.in_dutch(&params(), &|n| n.to_string()),
            "reason is een van 'sanction', 'other' of x is meer dan 1,5"
        );
    }

    #[test]
    fn aggregates_read_out() {
        let e = parse(
            "count(DISTINCT date_trunc('month', reference_date))",
            &["reference_date"],
            true,
        );
        assert_eq!(
            e.in_dutch(&params(), &|n| n.to_string()),
            "het aantal verschillende waarden van de maand van reference_date"
        );
        let e = parse("count(*)", &[], true);
        assert_eq!(
            e.in_dutch(&params(), &|n| n.to_string()),
            "het aantal rijen"
        );
    }

    #[test]
    fn texts_are_checked_and_filled() {
        let p = params();
        assert_eq!(
            fill("vanaf € {min_eur}, {days} dagen", &p),
            "vanaf € 75,00, 30 dagen"
        );
        assert!(checked(Some("  "), &p).unwrap_err().contains("empty"));
        assert!(checked(Some("<b>x</b>"), &p).unwrap_err().contains('<'));
        assert!(
            checked(Some("{nope}"), &p)
                .unwrap_err()
                .contains("unknown parameter")
        );
        assert!(
            checked(Some("na {as_of}"), &p)
                .unwrap_err()
                .contains("peildatum")
        );
        assert_eq!(checked(None, &p), Ok(None));
    }
}
