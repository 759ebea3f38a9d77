//! `vroeg reveal`: a team's worklist for a recorded run, with addresses.
//!
//! The one place where pseudonyms meet addresses, so it is narrow on
//! purpose: only a run the store recorded (reveal never scores anew), only
//! that run's listed households, only those routed to the team, and the
//! reveal is written to the audit log before the worklist is.

use crate::{JobError, load, recorded};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::PathBuf;
use vroeg_contracts::text::escaped;
use vroeg_outreach::ContactTable;
use vroeg_outreach::audit::{self, AuditRecord};
use vroeg_outreach::worklist::{WorklistRow, write_worklist};
use vroeg_pipeline::Pipeline;
use vroeg_store::{ListedRecord, RunRecord};

/// What `vroeg reveal` is asked.
#[derive(Debug, Clone)]
pub struct RevealRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The as-of date of the recorded run.
    pub as_of: NaiveDate,
    /// The team code (`[teams.<code>]` or `[teams] default`).
    pub team: String,
    /// The municipality's contact table.
    pub contacts: PathBuf,
    /// Why the addresses are needed (written to the audit log).
    pub reason: String,
    /// The worklist file to create.
    pub out: PathBuf,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
}

/// What a reveal wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealOutcome {
    /// The run revealed.
    pub run_id: String,
    /// Households on the worklist.
    pub households: u64,
    /// Of those, without a row in the contact table (listed with empty
    /// contact columns).
    pub without_contact: u64,
    /// Households the run listed for other teams (not written).
    pub other_teams: u64,
}

/// The recorded run of `pipeline` at `as_of` (the last one, when it ran
/// more than once that day).
pub(crate) fn recorded_run(
    runs: &[RunRecord],
    pipeline: &str,
    as_of: NaiveDate,
) -> Result<RunRecord, JobError> {
    let day = as_of.format("%Y-%m-%d").to_string();
    runs.iter()
        .filter(|r| r.pipeline == pipeline && r.as_of == day)
        .max_by_key(|r| r.seq)
        .cloned()
        .ok_or_else(|| {
            JobError::NoRecordedRun(format!(
                "no recorded run of pipeline `{}` for {day}: run `vroeg run --pipeline … --as-of {day}` first (reveal never scores anew)",
                escaped(pipeline)
            ))
        })
}

/// The fired rules of a listed household in words: each rule's description
/// from the pipeline file, joined with `; ` (the id where a rule has none).
pub(crate) fn why(p: &Pipeline, rules: &str) -> String {
    let described: BTreeMap<&str, &str> = p
        .rule_set
        .iter()
        .flat_map(|rs| &rs.rules)
        .map(|r| (r.id.as_str(), r.description.as_str()))
        .collect();
    rules
        .split('|')
        .filter(|id| !id.is_empty())
        .map(|id| match described.get(id) {
            Some(d) if !d.is_empty() => *d,
            _ => id,
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes the team's worklist for the recorded run at `as_of`.
pub fn reveal(req: &RevealRequest) -> Result<RevealOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let rs = load::rule_set(&p)?;
    recorded::check_reason(&req.reason)?;
    if !p.teams.contains(&req.team) {
        let codes = p.teams.codes();
        return Err(JobError::Usage(if codes.is_empty() {
            format!(
                "--team {}: the pipeline file has no teams; add [teams.<code>] tables (docs/outreach.md)",
                escaped(&req.team)
            )
        } else {
            format!(
                "--team {}: no such team in the pipeline file; the teams are {}",
                escaped(&req.team),
                codes.join(", ")
            )
        }));
    }
    vroeg_outreach::files::check_new_file(&req.out)?;
    recorded::check_out_place(&req.out, &p)?;
    let store = load::store_read_only(&p)?;
    let run = recorded_run(&store.runs()?, &p.name, req.as_of)?;
    recorded::check_usable(&run, rs)?;
    let contacts = ContactTable::load(&req.contacts)?;
    let listed = store.run_listed(&run)?;
    let (mine, others): (Vec<&ListedRecord>, Vec<&ListedRecord>) = listed.iter().partition(|h| {
        let district = (!h.district_code.is_empty()).then_some(h.district_code.as_str());
        p.teams.route(district) == Some(req.team.as_str())
    });
    let rows: Vec<WorklistRow> = mine
        .iter()
        .map(|h| WorklistRow {
            rank: h.rank,
            household_key: h.household_key.clone(),
            score: h.score,
            rules: h.rules.clone(),
            why: why(&p, &h.rules),
            district_code: h.district_code.clone(),
            total_arrears_eur: h.total_arrears_eur.clone(),
            contact: contacts.get(&h.household_key).cloned(),
        })
        .collect();
    let without_contact = rows.iter().filter(|r| r.contact.is_none()).count() as u64;
    audit::append(
        store.root(),
        &AuditRecord {
            command: "reveal".into(),
            pipeline: p.name.clone(),
            as_of: run.as_of.clone(),
            run_id: run.run_id.clone(),
            team: req.team.clone(),
            reason: req.reason.clone(),
            households: rows.len() as u64,
            keys_sha256: audit::keys_sha256(rows.iter().map(|r| r.household_key.as_str())),
            deleted: None,
        },
    )?;
    write_worklist(&req.out, &rows)?;
    tracing::info!(
        run = %run.run_id,
        team = %escaped(&req.team),
        households = rows.len(),
        without_contact,
        "worklist written"
    );
    Ok(RevealOutcome {
        run_id: run.run_id,
        households: rows.len() as u64,
        without_contact,
        other_teams: others.len() as u64,
    })
}
