//! Our codes to DDAS's exact strings, as the tables of
//! `shared/spec/outreach.md`, and the whole-euro amount.
//!
//! The tables are `match`es rather than data so that the compiler checks
//! that every arm returns one of a fixed set of string literals, and the
//! tests list every row once more by hand.

/// The `signaalpartner.type` of a debt row's `creditor_type`, or of
/// `rent_arrears` for a rent row; `None` for a code outside the contract.
pub fn signaalpartner(creditor_type_or_source: &str) -> Option<&'static str> {
    Some(match creditor_type_or_source {
        "rent_arrears" => "Huur",
        "energy" => "Energie",
        "water" => "Water",
        "health_insurance" => "Zorg",
        "cak_health_insurance" => "CAK Zorgverzekeringen",
        "mortgage" => "Hypotheek",
        "tax_authority" => "Belastingdienst",
        "benefits_reclaim" => "Dienst Toeslagen",
        "duo" => "DUO",
        "cak_own_contribution" => "CAK Eigen bijdrage",
        "municipal_tax" | "other" => "Overige",
        _ => return None,
    })
}

/// The `resultaat` (EnumEindresultaat) of an `outreach_outcomes.outcome`.
pub fn resultaat(outcome: &str) -> Option<&'static str> {
    Some(match outcome {
        "not_picked_up_repeat" => "Niet opgepakt: herhaalde melding",
        "not_picked_up_wrong_signal" => "Niet opgepakt: onterecht signaal",
        "not_picked_up_other" => "Niet opgepakt: andere reden",
        "deceased" => "Inwoner is overleden",
        "not_resident" => "Persoon is geen inwoner (meer) in de gemeente",
        "known_to_debt_help" => "Inwoner al bekend bij schuldhulpverlening",
        "other_support_ongoing" => "Inwoner heeft al een ander lopend traject",
        "no_contact" => "Definitief geen contact kunnen krijgen",
        "no_response_after_contact" => "Geen reactie na eerder contact",
        "no_help_wanted" => "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
        "already_paid_or_arranged" => "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        "quick_fix" => "(Budget)advies en/of quick fix",
        "followup_financial" => "Vervolghulp en/of verwijzing financieel",
        "followup_nonfinancial" => "Vervolghulp en/of verwijzing niet financieel",
        "referral_without_contact" => "Verwijzing zonder tussenkomst inwoner",
        _ => return None,
    })
}

/// The `contactpogingen[].soort` (EnumContactsoort) of a `contact_kind`.
pub fn contactsoort(contact_kind: &str) -> Option<&'static str> {
    Some(match contact_kind {
        "mail" => "Mail",
        "letter" => "Brief",
        "text_message" => "SMS/Whatsapp",
        "phone" => "Telefoon",
        "home_visit" => "Huisbezoek",
        "card" => "Kaartje",
        "administrative" => "Administratief",
        "other" => "Overige",
        _ => return None,
    })
}

/// Cents to whole euros, half away from zero (`0.50` is 1, `-0.50` is
/// -1); beyond `i64` it saturates.
pub fn whole_euros(cents: i128) -> i64 {
    let euros = (cents.unsigned_abs() + 50) / 100;
    let euros = i64::try_from(euros).unwrap_or(i64::MAX);
    if cents < 0 { -euros } else { euros }
}
