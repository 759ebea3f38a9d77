//! Contract files: the shipped ones parse, and each kind of malformed file
//! is refused naming the key and what is wrong.

use vroeg_contracts::file::{Role, parse};
use vroeg_contracts::{ColumnKind, Source};

const SCHOOL: &str = include_str!("../../../contracts/school_absence.toml");

#[test]
fn a_declared_file_gives_its_columns_roles_and_keys() {
    let p = parse(Source::Households.contract_file()).unwrap();
    assert_eq!(p.role, Some(Role::Register));
    assert_eq!(p.unique, Some(["household_key"].as_slice()));
    assert_eq!(p.supplier_column, None);
    let p = parse(SCHOOL).unwrap();
    assert_eq!(p.name, "school_absence");
    assert_eq!(p.supplier_column, Some("school_code"));
    assert_eq!(p.columns[2].kind, ColumnKind::Date { monday: true });
    assert_eq!(p.columns[6].kind, ColumnKind::Integer { min: 4, max: 23 });
    assert!(p.columns.iter().all(|c| c.required));
    assert_eq!(p.role, None);
}

#[test]
fn a_malformed_file_names_the_key_and_the_fault() {
    let cases: [(&str, &str, &str, &str); 14] = [
        (
            "name = \"school_absence\"",
            "name = \"School\"",
            "name",
            "is not a source name",
        ),
        (
            "time_column = \"week_start\"",
            "time_column = \"hours\"",
            "time_column",
            "`hours` must be a `date` column",
        ),
        (
            "time_column = \"week_start\"",
            "time_column = \"weeks\"",
            "time_column",
            "`weeks` is not a column of the contract",
        ),
        (
            "partition_key = [\"school_code\", \"week_start\"]",
            "partition_key = [\"school\"]",
            "partition_key[0]",
            "`school` is not a column",
        ),
        (
            "partition_key = [\"school_code\", \"week_start\"]",
            "partition_key = []",
            "partition_key",
            "at least one column",
        ),
        (
            "supplier_column = \"school_code\"",
            "supplier_column = \"hours\"",
            "supplier_column",
            "must be a `string` column",
        ),
        (
            "type = \"hours\"",
            "type = \"decimal\"",
            "columns[5].type",
            "`decimal` is not a type",
        ),
        (
            "max_length = 32",
            "max_length = 0",
            "columns[3].max_length",
            "0 is not within 1 to 4096",
        ),
        (
            "min = 4",
            "min = 40",
            "columns[6].min",
            "40 is above max 23",
        ),
        (
            "monday = true",
            "monday = true\nmax_length = 3",
            "columns[2].max_length",
            "a `date` column takes no `max_length`",
        ),
        (
            "values = [\"unauthorised\", \"luxury_leave\", \"long_term\", \"late\"]",
            "values = [\"late\", \"late\"]",
            "columns[4].values",
            "`late` is empty or appears twice",
        ),
        (
            "name = \"person_key\"",
            "name = \"household_key\"",
            "columns[1].name",
            "`household_key` appears twice",
        ),
        (
            "time_column = \"week_start\"",
            "time_column = \"week_start\"\ncolour = \"blue\"",
            "line 7",
            "unknown field `colour`",
        ),
        (
            "name = \"household_key\"\ntype = \"key\"",
            "name = \"pupil\"\ntype = \"key\"",
            "columns[0]",
            "the first column must be `household_key`",
        ),
    ];
    for (from, to, key, says) in cases {
        assert!(SCHOOL.contains(from), "{from}");
        let text = SCHOOL.replacen(from, to, 1);
        let err = parse(&text).expect_err(to);
        assert_eq!(err.key, key, "{to}: {}", err.message);
        assert!(err.message.contains(says), "{to}: {}", err.message);
    }
}

#[test]
fn not_toml_is_refused_with_its_line() {
    let err = parse("name = \"x\"\n\nthis is not toml\n").unwrap_err();
    assert_eq!(err.key, "line 3", "{}", err.message);
}
