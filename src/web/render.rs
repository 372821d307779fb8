//! Page templates, compiled into the binary (`include_str!`) and parsed once; `render` fills
//! one with the reader's language, catalogue, user and CSRF token. A template mistake fails
//! the unit test that renders every page.

use std::sync::OnceLock;

use minijinja::{Environment, Value};

use crate::web::i18n::Lang;

/// Every page template, by name. Names end in `.html`, so values are HTML-escaped.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("forms.html", include_str!("templates/forms.html")),
    (
        "staff_delegations.html",
        include_str!("templates/staff_delegations.html"),
    ),
    (
        "amendment_fields.html",
        include_str!("templates/amendment_fields.html"),
    ),
    (
        "internship_fields.html",
        include_str!("templates/internship_fields.html"),
    ),
    (
        "internship_new.html",
        include_str!("templates/internship_new.html"),
    ),
    (
        "internship_form.html",
        include_str!("templates/internship_form.html"),
    ),
    (
        "staff_statistics.html",
        include_str!("templates/staff_statistics.html"),
    ),
    (
        "staff_templates.html",
        include_str!("templates/staff_templates.html"),
    ),
    (
        "staff_template.html",
        include_str!("templates/staff_template.html"),
    ),
    (
        "certificate_form.html",
        include_str!("templates/certificate_form.html"),
    ),
    (
        "evaluation_form.html",
        include_str!("templates/evaluation_form.html"),
    ),
    ("landing.html", include_str!("templates/landing.html")),
    ("login.html", include_str!("templates/login.html")),
    ("register.html", include_str!("templates/register.html")),
    (
        "forgot_password.html",
        include_str!("templates/forgot_password.html"),
    ),
    (
        "set_password.html",
        include_str!("templates/set_password.html"),
    ),
    ("home.html", include_str!("templates/home.html")),
    (
        "application_new.html",
        include_str!("templates/application_new.html"),
    ),
    (
        "application.html",
        include_str!("templates/application.html"),
    ),
    ("labs.html", include_str!("templates/labs.html")),
    ("equipment.html", include_str!("templates/equipment.html")),
    ("bookings.html", include_str!("templates/bookings.html")),
    ("campaign.html", include_str!("templates/campaign.html")),
    ("problems.html", include_str!("templates/problems.html")),
    (
        "problem_form.html",
        include_str!("templates/problem_form.html"),
    ),
    ("company.html", include_str!("templates/company.html")),
    ("team.html", include_str!("templates/team.html")),
    (
        "preferences.html",
        include_str!("templates/preferences.html"),
    ),
    ("mission.html", include_str!("templates/mission.html")),
    ("agreements.html", include_str!("templates/agreements.html")),
    ("agreement.html", include_str!("templates/agreement.html")),
    (
        "evaluations.html",
        include_str!("templates/evaluations.html"),
    ),
    (
        "staff_agreements.html",
        include_str!("templates/staff_agreements.html"),
    ),
    ("profile.html", include_str!("templates/profile.html")),
    ("emails.html", include_str!("templates/emails.html")),
    ("email.html", include_str!("templates/email.html")),
    ("error.html", include_str!("templates/error.html")),
    ("staff.html", include_str!("templates/staff.html")),
    (
        "staff_campaigns.html",
        include_str!("templates/staff_campaigns.html"),
    ),
    (
        "staff_campaign.html",
        include_str!("templates/staff_campaign.html"),
    ),
    (
        "staff_teams.html",
        include_str!("templates/staff_teams.html"),
    ),
    (
        "staff_allocation.html",
        include_str!("templates/staff_allocation.html"),
    ),
    (
        "staff_missions.html",
        include_str!("templates/staff_missions.html"),
    ),
    (
        "staff_applications.html",
        include_str!("templates/staff_applications.html"),
    ),
    (
        "staff_tutors.html",
        include_str!("templates/staff_tutors.html"),
    ),
    ("staff_labs.html", include_str!("templates/staff_labs.html")),
    (
        "staff_planning.html",
        include_str!("templates/staff_planning.html"),
    ),
    (
        "staff_closure.html",
        include_str!("templates/staff_closure.html"),
    ),
    (
        "staff_equipment.html",
        include_str!("templates/staff_equipment.html"),
    ),
    (
        "staff_people.html",
        include_str!("templates/staff_people.html"),
    ),
    (
        "staff_import.html",
        include_str!("templates/staff_import.html"),
    ),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        // `plural("staff.to_decide", n)`: the count and its words agreeing with it.
        // A list counts as its length (`plural(key, cancelled)`).
        env.add_function("plural", |state: &minijinja::State, key: &str, n: Value| {
            let count = n
                .as_i64()
                .or_else(|| n.len().and_then(|l| i64::try_from(l).ok()))
                .unwrap_or(0);
            reader(state).plural(key, count)
        });
        // `team.name | team`: "Équipe Les Gardons", but "Équipe 19" as it is.
        env.add_filter("team", |state: &minijinja::State, team: Value| {
            // A team's name, or a team value carrying one.
            let name = match team.as_str() {
                Some(name) => name.to_owned(),
                None => team
                    .get_attr("name")
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            };
            crate::text::team_title(&name, reader(state).is_french())
        });
        for (name, source) in TEMPLATES {
            // A broken template is a programming error that the unit test below catches.
            if let Err(error) = env.add_template(name, source) {
                tracing::error!(%error, template = name, "page template does not parse");
            }
        }
        env
    })
}

/// The page's language, from the `lang` every page sets.
fn reader(state: &minijinja::State) -> Lang {
    state
        .lookup("lang")
        .as_ref()
        .and_then(Value::as_str)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// Renders `name` with `context`; a failure is logged and answered by the caller as a 500.
pub fn render(name: &str, context: Value) -> Result<String, minijinja::Error> {
    environment().get_template(name)?.render(context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{catalogue, Lang};
    use minijinja::context;

    /// Every catalogue key a template names exists: a missing one would render as nothing.
    #[test]
    fn every_text_a_template_names_is_in_the_catalogue() {
        let known = catalogue(Lang::Fr);
        for (name, source) in TEMPLATES {
            for quote in ['"', '\''] {
                let opening = format!("t[{quote}");
                for piece in source.split(opening.as_str()).skip(1) {
                    let key = piece.split(quote).next().unwrap_or_default();
                    if key.ends_with('.') {
                        continue; // a key built from a value (`'role.' ~ user.role`)
                    }
                    assert!(
                        known.contains_key(key),
                        "{name} names `{key}`, not in the catalogue"
                    );
                }
            }
        }
    }

    /// Every page renders in both languages with sample data: a typo in a template, a missing
    /// block or filter, fails here rather than in front of a user.
    #[test]
    fn every_page_renders_in_both_languages() {
        for lang in [Lang::Fr, Lang::En] {
            for (name, _) in TEMPLATES {
                if matches!(
                    *name,
                    "base.html"
                        | "forms.html"
                        | "staff.html"
                        | "internship_fields.html"
                        | "amendment_fields.html"
                ) {
                    continue;
                }
                let ctx = context! {
                    lang => lang.as_str(),
                    t => Value::from_serialize(catalogue(lang)),
                    csrf_token => "tok",
                    user => context! { name => "Ana Lopez", role => "founder" },
                    path => "/app",
                    flash => "Ok",
                    alert => "Refusé <b>",
                    values => context! { email => "a@b.fr", title => "<script>" },
                    field_errors => context! { email => "bad" },
                    domains => vec![context! { value => "digital", label => "numérique" }],
                    applications => vec![context! { id => "a1", title => "Béton", status => "submitted", status_label => "en cours", created => "lundi" }],
                    application => context! { id => "a1", title => "Béton", summary => "S", status => "incubating", status_label => "incubé", domain => "numérique", created => "lundi", starts_on => "lundi", ends_on => "mardi" },
                    tutor => context! { name => "Jean Dupont", email => "jean@x.fr" },
                    events => vec![context! { label => "Admission", when => "lundi", by => "Staff", reason => "ok" }],
                    labs => vec![context! { name => "Lab", description => "D", hours => vec![context! { day => "lundi", spans => "08:00–18:00" }], equipment => vec![context! { id => "e1", name => "Presse", requires_training => true, trained => false, min_minutes => 30, max_minutes => 480, weekly_hours => 4 }] }],
                    equipment => context! { id => "e1", name => "Presse", lab => "Lab", requires_training => true, trained => true, min_minutes => 30, max_minutes => 480, timezone => "Europe/Paris" },
                    week => context! { label => "lundi 1er mars 2027", previous => "2027-W08", next => "2027-W10" },
                    days => vec![context! { label => "lun. 1 mars", date => "2027-03-01" }],
                    rows => vec![context! { time => "08:00", cells => vec![context! { state => "free", label => "libre" }] }],
                    closures => vec![context! { from => "lundi", to => "mardi", reason => "Travaux" }],
                    projects => vec![context! { id => "a1", title => "Béton" }],
                    bookings => vec![context! { id => "b1", equipment => "Presse", lab => "Lab", when => "lundi", status => "confirmed", status_label => "confirmée", confirmed => true }],
                    attention => vec!["Votre candidature est en cours d’examen."],
                    title => "Page introuvable",
                    text => "Texte",
                    invalid => false,
                    token => "abc",
                    next => "/app/labs",
                    campaign => context! { id => "c1", name => "Printemps 2027", status => "signup_open", status_label => "ouvert", starts => "lundi 1er mars 2027", ends => "dimanche 4 avril 2027", weeks => 5, team_size => 3, max_choices => 5 },
                    steps => vec![context! { campaign => "Printemps 2027", text => "Classez", href => "/app/teams/t1/preferences" }],
                    campaigns => vec![context! { id => "c1", name => "Printemps 2027", status => "signup_open", status_label => "ouvert", starts => "lundi" }],
                    team => context! { id => "t1", name => "Les Gardons", members => vec![context! { name => "Léo", email => "leo@etu.fr" }] },
                    problems => vec![context! { id => "p1", title => "Chutes", description => "D", domain_label => "numérique", status => "accepted", status_label => "accepté", reason => "ok", company => context! { name => "Découpes", city => "Alès", local => true } }],
                    filter => context! { domain => "digital", local => "true" },
                    company => context! { name => "Découpes", city => "Alès", local => true },
                    others => vec![1, 2],
                    open => true,
                    emails => vec![context! { id => "n1", to => "a@b.fr", subject => "Sujet", status => "failed", status_label => "échec", attempts => 3, last_error => "550", created => "lundi", failed => true }],
                    email => context! { id => "n1", to => "a@b.fr", subject => "Sujet", status => "failed", status_label => "échec", attempts => 3, last_error => "550", created => "lundi", failed => true },
                    statuses => vec![context! { value => "failed", label => "échec" }],
                    desk => context! { incubating => 3, capacity => 25, places_left => 22, used_percent => 12, to_decide => 2, failed => 1, stuck => true, campaigns => vec![context! { id => "c1", href => "/app/campaigns/c1/problems", name => "Printemps", status_label => "ouvert", next => "à examiner", count => 3, accepted => 57, max_problems => 80 }] },
                    email => "ana@x.fr",
                    role_label => "student",
                    slots => vec![context! { rank => 1, chosen => "p1" }],
                    missions => vec![context! { id => "m1", starts => "lundi", ends => "mardi", company => context! { name => "Découpes", city => "Alès" }, problem => context! { title => "Chutes" }, team => context! { name => "Les Gardons" } }],
                    strip => vec![context! { label => "ouvert", state => "current" }],
                    next => context! { text => "Examiner", href => "/app/staff/campaigns/c1" },
                    accepted => 57, max_problems => 80, to_review => 3, cap_reached => false, open => true,
                    editable => true, runnable => true, publishable => true, published => true,
                    problem_choices => vec![context! { id => "p1", name => "Chutes — Découpes (Alès)" }],
                    constraints => vec![context! { id => "k1", team => "Les Gardons", problem => "Chutes", kind => "imposé" }],
                    candidates => vec![
                        context! { objective => context! { value => "fair", label => "Équitable", hint => "h" }, assigned => 78, teams => 80, worst_rank => 4, total_rank => 120, chart => Value::from_serialize(crate::web::staff::charts::rank_profile(&[50, 20, 8], 2, 80)) },
                        context! { objective => context! { value => "rank_sum", label => "Somme", hint => "h" }, refused => "Impossible" },
                    ],
                    stored => context! { objective => context! { value => "fair", label => "Équitable" }, assigned => 78, teams => 80, worst_rank => 4, stale => false, chart => Value::from_serialize(crate::web::staff::charts::rank_profile(&[50, 20, 8], 2, 80)), assignments => vec![context! { team => "Les Gardons", title => "Chutes", company => "Découpes", city => "Alès", rank => 1, pinned => true }], unplaced => vec![context! { team => "Les Truites", reason => "Tous pris" }], mails => context! { students => 234, companies => 78, unplaced_students => 6, unplaced_teams => 2, total => 318 } },
                    without_tutor => 1,
                    lab => context! { id => "l1", name => "Lab", timezone => "Europe/Paris" },
                    weekdays => vec![context! { n => 1, label => "lundi" }],
                    planning => Value::from_serialize(crate::web::staff::charts::planning(&["Presse".to_owned()], &["lun.".to_owned()], 480, 1080, &[crate::web::staff::charts::Span { row: Some(0), day: 0, from: 600, to: 660, tone: "busy", title: "Ana".into() }])),
                    with_cancelled => true,
                    today => "2027-03-01",
                    cancelled => vec![context! { equipment => "Presse", when => "lundi" }],
                    people => vec![context! { name => "Ana", email => "a@b.fr", role_label => "étudiant", waiting => true }],
                    shown => 1,
                    roles => vec![context! { value => "student", label => "étudiant" }],
                    created_roles => vec![context! { value => "student", label => "étudiant" }],
                    created => 3, skipped => 1,
                    errors => vec![context! { line => 4, message => "bad" }],
                    kept => context! { reason => "Travaux" },
                    closure => context! { from => "lundi", to => "mardi", reason => "Travaux" },
                    console => context! { can_decide => true, can_close => true, can_tutor => true, replacing => true, today => "2027-03-01", suggestions => vec![context! { id => "u1", name => "Jean", domains => "numérique", projects => 2, max_projects => 4, domain_match => true, current => false }] },
                    places => context! { incubating => 3, capacity => 25, left => 22, percent => 12 },
                    tutors => vec![context! { id => "u1", name => "Jean", email => "j@x.fr", load => 2, max => 4, full => false, domains => vec![context! { value => "digital", label => "numérique", checked => true }], domain_labels => "numérique", projects => 2, max_projects => 4, missions => 1, max_missions => 3 }],
                    teams => vec![context! { id => "t1", name => "Les Gardons", members => vec![context! { name => "Léo", email => "leo@etu.fr" }], choices => vec!["Chutes — Découpes (Alès)"] }],
                    agreement => context! { id => "a1", title => "Convention de stage", reference => "ABC", version => 2, status => "sent", status_label => "envoyée", subject => "Chutes", company => "Découpes", city => "Alès", student => context! { name => "Léo" }, starts => "lundi", ends => "vendredi", place => "Alès", sha256 => "ab12", signatures => vec![context! { party => "École", name => "Ana", signed => "lundi à 10:00" }, context! { party => "Entreprise", name => "Jo", signed => () }] },
                    agreements => vec![context! { id => "a1", title => "Convention", company => "Découpes", party => "Léo", starts => "lundi", ends => "mardi", status => "sent", status_label => "envoyée", to_sign => true }],
                    can_sign => true, consent => "Je signe", staff_actions => context! { can_send => true, can_cancel => true },
                    progress => vec![context! { id => "c1", name => "Printemps", signed => 212, total => 240, drafts => 3, percent => 88 }],
                    kinds => vec![context! { value => "internship", label => "Stage" }],
                    outcome => context! { sent => 3, skipped => 1 },
                    csv => "/app/staff/agreements.csv?kind=",
                    evaluator => "tutor", complete => false, missing => vec!["Entreprise"], is_staff => true, is_student => true,
                    members => vec![context! { id => "s1", name => "Léo", mark => 14.5, comments => "Bien" }],
                    team_mark => context! { mark => 15, comments => "Très bien" },
                    items => vec![context! { by => "Entreprise", student => "Équipe entière", mark => "15,5", comments => "Bien" }],
                    mission => context! { id => "m1", starts => "lundi", ends => "mardi", company => context! { name => "Découpes", city => "Alès" }, contact => context! { name => "Ana", email => "ana@x.fr" }, tutor => context! { name => "Jean", email => "j@x.fr" }, problem => context! { title => "Chutes" }, team => context! { name => "Les Gardons", members => vec![context! { name => "Léo", email => "leo@etu.fr" }] } },
                };
                let html = render(name, ctx).unwrap_or_else(|e| {
                    panic!("{name} ({}) does not render: {e:#}", lang.as_str())
                });
                assert!(
                    html.contains(&format!("<html lang=\"{}\"", lang.as_str())),
                    "{name}"
                );
                assert_eq!(html.matches("<h1").count(), 1, "{name}: one h1");
                assert!(!html.contains("<script>"), "{name}: values are escaped");
            }
        }
    }
}
