//! The pages' words: one catalogue, French first and English beside it, so that a text is
//! written once per language and never scattered through templates or handlers. Refusals of
//! the use cases are named by their contract `code` and found here as `error.<code>`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::tutors::domain::Domain;

/// The reader's language: French unless they chose English (`?lang=en`, then a cookie).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn is_french(self) -> bool {
        self == Lang::Fr
    }

    /// A stored domain (`civil_engineering`) in the reader's words; unknown ones as stored.
    pub fn domain(self, stored: &str) -> String {
        stored
            .parse::<Domain>()
            .map(|d| d.label(self.is_french()).to_owned())
            .unwrap_or_else(|_| stored.to_owned())
    }

    /// The catalogue's text for `key` (the key itself if missing, which the unit test forbids
    /// for every key the code uses).
    pub fn text(self, key: &str) -> &'static str {
        catalogue(self).get(key).copied().unwrap_or("")
    }

    /// The message for a refusal's contract code, or a generic one.
    pub fn refusal(self, code: &str) -> &'static str {
        let text = self.text(&format!("error.{code}"));
        if text.is_empty() {
            self.text("error.generic")
        } else {
            text
        }
    }

    /// The catalogue's text for `key` with each `{name}` replaced by its value: sentences
    /// that carry figures or names ("Ligne 3 : …", "Les choix 2 et 5 …").
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.text(key).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// `n` and the noun phrase agreeing with it: "1 candidature à décider", "3 candidatures
    /// à décider". The catalogue writes both forms as `singular|plural`; French takes the
    /// singular for 0 and 1, English for 1 only.
    pub fn plural(self, key: &str, n: i64) -> String {
        let forms = self.text(key);
        let (one, many) = forms.split_once('|').unwrap_or((forms, forms));
        let singular = match self {
            Lang::Fr => n.abs() <= 1,
            Lang::En => n.abs() == 1,
        };
        format!("{n} {}", if singular { one } else { many })
    }

    /// The school's calendar date of a stored UTC instant (an application's "Envoyée le"): a
    /// late-evening instant in Paris is already the next day in UTC's eyes, or the day before.
    pub fn local_date(self, at: NaiveDateTime) -> String {
        self.date(crate::labs::domain::local_date(
            crate::clock::DEFAULT_TIMEZONE,
            at,
        ))
    }

    /// `lundi 1 mars 2027` / `Monday 1 March 2027`.
    pub fn date(self, day: NaiveDate) -> String {
        let formatted = day
            .format_localized("%A %-d %B %Y", self.chrono())
            .to_string();
        if self.is_french() && day.format("%-d").to_string() == "1" {
            // French writes the first of the month as an ordinal: « 1er mars ».
            formatted.replacen(" 1 ", " 1er ", 1)
        } else {
            formatted
        }
    }

    /// `lun. 2 mars` / `Mon 2 Mar`: a week view's column heads.
    pub fn short_date(self, day: NaiveDate) -> String {
        day.format_localized("%a %-d %b", self.chrono()).to_string()
    }

    /// An instant in `tz` as `lundi 1er mars 2027 à 14:30`, 24-hour clock.
    pub fn datetime(self, at: NaiveDateTime, tz: Tz) -> String {
        let local = DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).with_timezone(&tz);
        let joiner = if self.is_french() { "à" } else { "at" };
        format!(
            "{} {joiner} {}",
            self.date(local.date_naive()),
            local.format("%H:%M")
        )
    }

    fn chrono(self) -> chrono::Locale {
        match self {
            Lang::Fr => chrono::Locale::fr_FR,
            Lang::En => chrono::Locale::en_GB,
        }
    }
}

/// Every text of one language, for templates (`t.key`).
pub fn catalogue(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    static FR: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    let (cell, column) = match lang {
        Lang::Fr => (&FR, 0),
        Lang::En => (&EN, 1),
    };
    cell.get_or_init(|| {
        TEXTS
            .iter()
            .chain(crate::web::staff::texts::TEXTS)
            .chain(crate::web::agreements::TEXTS)
            .chain(crate::web::amendments::TEXTS)
            .chain(crate::web::staff::delegations::TEXTS)
            .chain(crate::web::register::TEXTS)
            .chain(crate::web::internships::TEXTS)
            .chain(crate::web::internship_evaluation::TEXTS)
            .chain(crate::web::staff::clauses::TEXTS)
            .chain(crate::web::staff::statistics::TEXTS)
            .map(|(key, fr, en)| (*key, if column == 0 { *fr } else { *en }))
            .collect()
    })
}

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    // layout
    ("site.name", "fieldlab", "fieldlab"),
    ("site.tagline", "Incubateur, laboratoires et missions terrain de l’école", "The school’s incubator, labs and field missions"),
    ("nav.home", "Accueil", "Home"),
    ("nav.labs", "Laboratoires", "Labs"),
    ("nav.bookings", "Mes réservations", "My bookings"),
    ("nav.apply", "Candidater", "Apply"),
    ("nav.login", "Se connecter", "Sign in"),
    ("nav.register", "Créer un compte", "Create an account"),
    ("nav.logout", "Se déconnecter", "Sign out"),
    ("nav.main", "Navigation principale", "Main navigation"),
    ("nav.other_lang", "English", "Français"),
    ("nav.other_lang_code", "en", "fr"),
    ("nav.skip", "Aller au contenu", "Skip to content"),
    // French puts a space before a colon, English none.
    ("punct.colon", " :", ":"),
    ("form.required", "obligatoire", "required"),
    ("form.refused", "Le formulaire n’a pas été accepté :", "The form was not accepted:"),
    // landing
    ("landing.title", "fieldlab", "fieldlab"),
    ("landing.intro", "fieldlab accompagne les projets de l’incubateur, la réservation des équipements de laboratoire et les missions terrain des étudiants avec les entreprises du territoire.", "fieldlab follows incubator projects, lab equipment bookings and students’ field missions with the region’s companies."),
    ("landing.founders", "Porteurs de projet : candidatez à l’incubateur puis réservez les équipements des laboratoires.", "Founders: apply to the incubator, then book lab equipment."),
    ("landing.companies", "Entreprises : proposez une problématique pour la prochaine campagne de missions.", "Companies: submit a problem for the next mission campaign."),
    ("landing.students", "Étudiants et enseignants-chercheurs : votre compte est créé par l’école ; suivez le lien reçu par e-mail.", "Students and tutors: the school creates your account; follow the link in your e-mail."),
    // login
    ("login.title", "Se connecter", "Sign in"),
    ("login.submit", "Se connecter", "Sign in"),
    ("login.forgot", "Mot de passe oublié ?", "Forgot your password?"),
    ("login.no_account", "Pas encore de compte ?", "No account yet?"),
    ("field.email", "Adresse e-mail", "E-mail address"),
    ("field.password", "Mot de passe", "Password"),
    ("field.password_hint", "Au moins 10 caractères.", "At least 10 characters."),
    ("field.name", "Nom et prénom", "Full name"),
    ("field.role", "Vous êtes", "You are"),
    ("field.role_filter", "Rôle", "Role"),
    ("role.founder", "porteur ou porteuse de projet", "a founder"),
    ("role.company", "une entreprise", "a company"),
    ("role.staff", "équipe de l’incubateur", "incubator staff"),
    ("role.tutor", "enseignant-chercheur", "tutor"),
    ("role.student", "étudiant ou étudiante", "student"),
    // register
    ("register.title", "Créer un compte", "Create an account"),
    ("register.submit", "Créer mon compte", "Create my account"),
    // forgot / set password
    ("forgot.title", "Mot de passe oublié", "Forgot your password"),
    ("forgot.intro", "Indiquez votre adresse : si elle a un compte, un lien pour choisir un nouveau mot de passe vous est envoyé.", "Give your address: if it has an account, a link to choose a new password is on its way."),
    ("forgot.submit", "Recevoir le lien", "Send me the link"),
    ("set_password.title", "Choisir un mot de passe", "Choose a password"),
    ("set_password.submit", "Enregistrer le mot de passe", "Save the password"),
    ("set_password.invalid_title", "Ce lien ne fonctionne plus", "This link no longer works"),
    ("set_password.invalid", "Ce lien est inconnu, a déjà servi ou a expiré.", "This link is unknown, already used or expired."),
    ("set_password.ask_again", "Demander un nouveau lien", "Ask for a new link"),
    // flashes
    ("flash.registered", "Votre compte est créé : vous êtes connecté.", "Your account is ready: you are signed in."),
    ("flash.password_set", "Votre mot de passe est enregistré : vous êtes connecté.", "Your password is saved: you are signed in."),
    ("flash.reset_sent", "Si cette adresse a un compte, un e-mail avec un lien vient de partir.", "If this address has an account, an e-mail with a link is on its way."),
    ("flash.signed_out", "Vous êtes déconnecté.", "You are signed out."),
    ("flash.applied", "Votre candidature est envoyée.", "Your application is sent."),
    ("flash.booked", "Votre réservation est confirmée.", "Your booking is confirmed."),
    ("flash.cancelled", "La réservation est annulée.", "The booking is cancelled."),
    // home
    ("home.title", "Bonjour", "Hello"),
    ("home.attention", "À suivre maintenant", "Needs your attention"),
    ("home.nothing", "Rien ne vous attend pour l’instant.", "Nothing needs you right now."),
    ("home.apply_first", "Vous n’avez pas encore candidaté à l’incubateur.", "You have not applied to the incubator yet."),
    ("home.under_review", "Votre candidature est en cours d’examen.", "Your application is under review."),
    ("home.incubating", "Votre projet est incubé : vous pouvez réserver les équipements.", "Your project is incubating: you may book equipment."),
    ("home.no_tutor", "L’équipe choisit l’enseignant-chercheur qui suivra votre projet.", "Staff are choosing the tutor who will follow your project."),
    ("home.your_applications", "Vos candidatures", "Your applications"),
    ("home.upcoming", "Vos prochaines réservations", "Your next bookings"),
    ("home.staff", "Candidatures à examiner", "Applications to review"),
    ("home.tutor", "Projets que vous suivez", "Projects you follow"),
    // applications
    ("apply.title", "Candidater à l’incubateur", "Apply to the incubator"),
    ("apply.submit", "Envoyer la candidature", "Send the application"),
    ("field.title", "Titre du projet", "Project title"),
    ("field.problem_title", "Titre du problème", "Problem title"),
    ("field.summary", "Résumé", "Summary"),
    ("field.domain", "Domaine", "Domain"),
    ("field.domain_choose", "Choisir un domaine", "Choose a domain"),
    ("field.manufactured_product", "Le projet est un produit manufacturé", "The project is a manufactured product"),
    ("application.status", "État", "Status"),
    ("application.submitted_on", "Envoyée le", "Sent on"),
    ("application.dates", "Incubation", "Incubation"),
    ("application.from", "du", "from"),
    ("application.to", "au", "to"),
    ("application.tutor", "Enseignant-chercheur", "Tutor"),
    ("application.no_tutor", "pas encore choisi", "not chosen yet"),
    ("application.history", "Historique", "History"),
    ("application.by", "par", "by"),
    ("application.reason", "Motif", "Reason"),
    ("application.domain", "Domaine", "Domain"),
    ("status.submitted", "en cours d’examen", "under review"),
    ("status.incubating", "incubé", "incubating"),
    ("status.rejected", "non retenue", "not accepted"),
    ("status.withdrawn", "retirée", "withdrawn"),
    ("status.graduated", "sortie de l’incubateur", "graduated"),
    ("status.discontinued", "arrêtée", "discontinued"),
    ("status.confirmed", "confirmée", "confirmed"),
    ("status.cancelled", "annulée", "cancelled"),
    ("event.submitted", "Candidature envoyée", "Application sent"),
    ("event.admitted", "Admission", "Admitted"),
    ("event.admit", "Admission", "Admitted"),
    ("event.rejected", "Refus", "Rejected"),
    ("event.reject", "Refus", "Rejected"),
    ("event.withdrawn", "Retrait", "Withdrawn"),
    ("event.withdraw", "Retrait", "Withdrawn"),
    ("event.graduated", "Sortie", "Graduated"),
    ("event.discontinued", "Arrêt", "Discontinued"),
    ("event.tutor_assigned", "Enseignant-chercheur désigné", "Tutor assigned"),
    ("event.other", "Décision", "Decision"),
    // labs
    ("labs.title", "Laboratoires et équipements", "Labs and equipment"),
    ("labs.none", "Aucun laboratoire pour l’instant.", "No lab yet."),
    ("labs.hours", "Horaires d’ouverture", "Opening hours"),
    ("labs.equipment", "Équipements", "Equipment"),
    ("labs.trained", "formé", "trained"),
    ("labs.needs_training", "formation requise", "needs training"),
    ("labs.no_training", "sans formation", "no training needed"),
    ("labs.week", "Voir la semaine et réserver", "See the week and book"),
    ("labs.quota", "heures par projet et par semaine", "hours per project a week"),
    ("labs.duration", "Durée d’une réservation", "Booking length"),
    ("labs.minutes", "min", "min"),
    ("labs.closed_day", "fermé", "closed"),
    // week view
    ("week.title", "Semaine du", "Week of"),
    ("week.previous", "Semaine précédente", "Previous week"),
    ("week.next", "Semaine suivante", "Next week"),
    ("week.legend", "Légende", "Legend"),
    ("week.free", "libre", "free"),
    ("week.busy", "réservé", "booked"),
    ("week.closed", "fermé", "closed"),
    ("week.closure", "fermeture exceptionnelle", "exceptional closure"),
    ("week.hour", "Heure", "Time"),
    ("week.closures", "Fermetures exceptionnelles", "Exceptional closures"),
    ("week.timezone", "Heures du laboratoire", "Lab’s local time"),
    ("book.title", "Réserver", "Book"),
    ("book.submit", "Réserver", "Book"),
    ("book.cannot", "Pour réserver, il faut un projet incubé.", "To book, you need an incubating project."),
    ("book.training_needed", "Cet équipement demande une formation et vous n’avez pas d’habilitation valide : vous ne pouvez pas encore le réserver.", "This equipment needs training and you hold no valid authorization: you cannot book it yet."),
    ("book.ask_training", "Pour être formé·e et habilité·e, demandez à", "To be trained and authorized, ask"),
    ("book.ask_staff", "l’équipe de l’incubateur, qui enregistre les habilitations", "the incubator’s staff, who record authorizations"),
    ("field.date", "Date", "Date"),
    ("field.start_time", "Début", "Start"),
    ("field.end_time", "Fin", "End"),
    ("field.application_id", "Projet", "Project"),
    ("field.purpose", "Objet (facultatif)", "Purpose (optional)"),
    // bookings
    ("bookings.title", "Mes réservations", "My bookings"),
    ("bookings.none", "Aucune réservation.", "No booking."),
    ("bookings.equipment", "Équipement", "Equipment"),
    ("bookings.when", "Quand", "When"),
    ("bookings.status", "État", "Status"),
    ("bookings.cancel", "Annuler", "Cancel"),
    ("bookings.ics", "Ajouter à mon agenda (.ics)", "Add to my calendar (.ics)"),
    ("bookings.actions", "Actions", "Actions"),
    ("bookings.cancel_title", "Annuler cette réservation ?", "Cancel this booking?"),
    ("bookings.cancel_hint", "Le créneau sera libéré pour les autres ; vous recevrez un e-mail qui le confirme.", "The slot will be freed for others; you will get an e-mail confirming it."),
    ("bookings.cancel_confirm", "Oui, annuler la réservation", "Yes, cancel the booking"),
    ("bookings.keep", "Non, la garder", "No, keep it"),
    // errors
    ("error.not_found_title", "Page introuvable", "Page not found"),
    ("error.not_found_text", "Cette page n’existe pas, ou elle ne vous est pas accessible.", "This page does not exist, or it is not one you may see."),
    ("error.forbidden_title", "Action refusée", "Action refused"),
    ("error.forbidden_text", "Cette action n’a pas été faite : le formulaire a expiré ou votre rôle ne la permet pas. Rechargez la page et réessayez.", "This action was not done: the form expired or your role does not allow it. Reload the page and try again."),
    ("error.internal_title", "Une erreur est survenue", "Something went wrong"),
    ("error.internal_text", "Nous n’avons pas pu afficher cette page ; réessayez dans un instant.", "We could not show this page; try again in a moment."),
    ("error.back_home", "Retour à l’accueil", "Back to the home page"),
    ("error.generic", "Cette demande n’a pas pu aboutir.", "This request could not be done."),
    ("error.validation_failed", "Certains champs sont à corriger.", "Some fields need fixing."),
    ("error.invalid_credentials", "Adresse e-mail ou mot de passe incorrect.", "Wrong e-mail or password."),
    ("error.email_taken", "Un compte utilise déjà cette adresse e-mail.", "An account already uses this e-mail address."),
    ("error.invalid_token", "Ce lien est inconnu, a déjà servi ou a expiré.", "This link is unknown, already used or expired."),
    ("error.weak_password", "Ce mot de passe est trop facile à deviner.", "This password is too easy to guess."),
    ("error.too_many_requests", "Trop de tentatives : réessayez dans quelques minutes.", "Too many attempts: try again in a few minutes."),
    ("error.forbidden", "Votre rôle ne permet pas cette action.", "Your role does not allow this action."),
    ("error.training_required", "Cet équipement demande une formation valide.", "This equipment needs a valid training."),
    ("error.invalid_interval", "La fin doit être après le début.", "The end must be after the start."),
    ("error.in_past", "Ce créneau commence dans le passé.", "This slot starts in the past."),
    ("error.invalid_duration", "La durée n’est pas dans les limites de cet équipement.", "The length is outside this equipment’s limits."),
    ("error.outside_opening_hours", "Ce créneau n’est pas entièrement dans les horaires d’ouverture.", "This slot is not wholly inside the opening hours."),
    ("error.outside_project_dates", "Ce créneau est hors des dates du projet.", "This slot is outside the project’s dates."),
    ("error.lab_closed", "Le laboratoire est fermé pendant ce créneau.", "The lab is closed during this slot."),
    ("error.quota_exceeded", "Le quota d’heures du projet sur cet équipement serait dépassé cette semaine.", "The project’s weekly hours on this equipment would be exceeded."),
    ("error.booking_overlap", "Cet équipement est déjà réservé sur une partie de ce créneau.", "This equipment is already booked during part of this slot."),
    ("error.invalid_transition", "Ce n’est plus possible dans l’état actuel.", "This is no longer possible in the current state."),
    ("error.unavailable", "Le service est momentanément indisponible ; réessayez.", "The service is briefly unavailable; try again."),
    ("error.already_exists", "Cela existe déjà.", "This already exists."),
    ("error.already_in_team", "L’un de vous fait déjà partie d’une équipe de cette campagne.", "One of you is already in a team of this campaign."),
    ("error.invalid_team", "Cette équipe n’est pas valable : vérifiez les adresses de vos coéquipiers (comptes étudiants, sans doublon).", "This team is not valid: check your teammates’ addresses (student accounts, no repeats)."),
    ("error.invalid_preferences", "Ce classement n’est pas valable : des problèmes différents, acceptés dans cette campagne.", "This ranking is not valid: distinct problems, accepted in this campaign."),
    ("error.capacity_reached", "La limite est atteinte.", "The limit is reached."),
    ("error.no_company", "Enregistrez d’abord votre entreprise.", "Register your company first."),
    ("error.tutor_overloaded", "Cet enseignant-chercheur suit déjà le maximum de missions.", "This tutor already follows as many missions as allowed."),
    // missions
    ("nav.campaigns", "Missions terrain", "Field missions"),
    ("nav.company", "Mon entreprise", "My company"),
    ("yes", "oui", "yes"),
    ("no", "non", "no"),
    ("campaign.status.problems_open", "appel à problèmes ouvert", "call for problems open"),
    ("campaign.status.signup_open", "inscriptions des équipes ouvertes", "team signup open"),
    ("campaign.status.allocated", "répartition en cours", "allocation under way"),
    ("campaign.status.published", "missions publiées", "missions published"),
    ("campaign.dates", "Dates des missions", "Mission dates"),
    ("campaign.team_size", "Étudiants par équipe", "Students per team"),
    ("campaign.weeks_count", "semaine|semaines", "week|weeks"),
    ("campaign.students_per_team", "étudiant par équipe|étudiants par équipe", "student per team|students per team"),
    ("campaign.max_choices", "Problèmes à classer", "Problems to rank"),
    ("campaign.next", "À faire", "To do"),
    ("campaign.problems", "Les problèmes proposés", "The problems"),
    ("campaign.missions", "Missions", "Missions"),
    ("campaigns.title", "Campagnes de missions terrain", "Field mission campaigns"),
    ("next.register_company", "Enregistrez votre entreprise pour proposer un problème.", "Register your company to submit a problem."),
    ("next.submit_problem", "Proposer un problème", "Submit a problem"),
    ("next.submit_another", "Proposer un autre problème", "Submit another problem"),
    ("next.own_problem", "Votre problème « {title} » : {status}", "Your problem “{title}”: {status}"),
    ("next.agreement_to_sign", "Convention à signer : {name}", "Agreement to sign: {name}"),
    ("next.form_team", "Formez votre équipe avec vos coéquipiers.", "Form your team with your teammates."),
    ("next.rank", "Classez les problèmes de votre équipe, du préféré au moins souhaité.", "Rank your team’s problems, best first."),
    ("next.ranked", "Votre classement est enregistré ; vous pouvez le modifier jusqu’à la répartition.", "Your ranking is saved; you may change it until the allocation."),
    ("next.review_problems", "Des problèmes attendent votre décision.", "Problems await your decision."),
    ("problem.status.submitted", "en attente de décision", "awaiting a decision"),
    ("problem.status.accepted", "accepté", "accepted"),
    ("problem.status.rejected", "non retenu", "not accepted"),
    ("problems.title", "Problèmes", "Problems"),
    ("problems.all_domains", "Tous les domaines", "All domains"),
    ("problems.where", "Entreprise", "Company"),
    ("problems.anywhere", "Toutes", "All"),
    ("problems.local", "du territoire", "local"),
    ("problems.not_local", "hors territoire", "not local"),
    ("problems.filter", "Filtrer", "Filter"),
    ("problems.edit", "Modifier", "Edit"),
    ("problems.none", "Aucun problème à afficher.", "No problem to show."),
    ("problem_form.title", "Proposer un problème", "Submit a problem"),
    ("problem_form.edit_title", "Modifier le problème", "Edit the problem"),
    ("problem_form.submit", "Enregistrer", "Save"),
    ("field.description", "Description", "Description"),
    ("field.company_name", "Nom de l’entreprise", "Company name"),
    ("field.city", "Ville", "City"),
    ("field.local", "Sur le territoire de l’école", "Inside the school’s territory"),
    ("field.team_name", "Nom de l’équipe", "Team name"),
    ("field.mission_id", "Mission", "Mission"),
    ("nav.profile", "Mon profil", "My profile"),
    ("staff.desk", "Le tableau de bord", "The desk"),
    ("nav.emails", "E-mails", "E-mails"),
    ("emails.title", "E-mails envoyés par fieldlab", "E-mails sent by fieldlab"),
    ("emails.status", "État", "Status"),
    ("emails.all", "Tous", "All"),
    ("emails.to", "Destinataire", "Recipient"),
    ("emails.attempts", "tentative|tentatives", "attempt|attempts"),
    ("emails.retry", "Renvoyer", "Send again"),
    ("emails.none", "Aucun e-mail.", "No e-mail."),
    ("email.status.pending", "en attente", "waiting"),
    ("email.status.sent", "envoyé", "sent"),
    ("email.status.failed", "échec", "failed"),
    ("flash.email_retried", "L’e-mail est remis dans la file d’envoi.", "The e-mail is queued again."),
    ("staff.places", "Places de l’incubateur occupées", "Incubator places taken"),
    ("staff.places_left", "libres", "free"),
    ("staff.to_decide", "candidature à décider|candidatures à décider", "application to decide|applications to decide"),
    ("staff.accepted", "problèmes acceptés", "problems accepted"),
    ("staff.failed_mails", "e-mail n’a pas pu partir : à relancer.|e-mails n’ont pas pu partir : à relancer.", "e-mail could not be sent: retry it.|e-mails could not be sent: retry them."),
    ("staff.stuck_mails", "Des e-mails attendent depuis trop longtemps : vérifiez le serveur d’envoi.", "E-mails have waited too long: check the mail relay."),
    ("staff.next.review", "problèmes à examiner", "problems to review"),
    ("staff.next.allocate", "à répartir", "to allocate"),
    ("staff.next.publish", "à publier", "to publish"),
    ("staff.next.tutors", "missions sans enseignant-chercheur", "missions without a tutor"),
    ("profile.title", "Mon profil", "My profile"),
    ("profile.role", "Rôle", "Role"),
    ("profile.name", "Mon nom", "My name"),
    ("profile.save", "Enregistrer", "Save"),
    ("profile.language", "Langue", "Language"),
    ("profile.password", "Changer de mot de passe", "Change my password"),
    ("profile.current_password", "Mot de passe actuel", "Current password"),
    ("profile.new_password", "Nouveau mot de passe", "New password"),
    ("profile.change_password", "Changer le mot de passe", "Change the password"),
    ("flash.profile_saved", "Votre profil est enregistré.", "Your profile is saved."),
    ("flash.password_changed", "Votre mot de passe est changé : reconnectez-vous.", "Your password is changed: sign in again."),
    ("application.founder", "Porteur du projet", "Founder"),
    ("field.teammate", "Adresse e-mail du coéquipier", "Teammate’s e-mail address"),
    ("company.title", "Mon entreprise", "My company"),
    ("company.register_first", "Enregistrez votre entreprise : vous en serez le contact.", "Register your company: you will be its contact."),
    ("company.submit", "Enregistrer l’entreprise", "Register the company"),
    ("team.title", "Mon équipe", "My team"),
    ("team.yours", "Votre équipe", "Your team"),
    ("team.intro", "Votre adresse est ajoutée d’office ; indiquez celles de vos coéquipiers (comptes étudiants de l’école).", "Your own address is added for you; give your teammates’ (the school’s student accounts)."),
    ("team.submit", "Créer l’équipe", "Create the team"),
    ("team.closed", "Les inscriptions des équipes ne sont pas ouvertes.", "Team signup is not open."),
    ("team.preferences", "Classer les problèmes", "Rank the problems"),
    ("preferences.title", "Classement des problèmes", "Ranking of the problems"),
    ("preferences.intro", "Du préféré au moins souhaité ; laissez vides les choix dont vous n’avez pas besoin.", "Best first; leave the choices you do not need empty."),
    ("preferences.choice", "Choix {rank}", "Choice {rank}"),
    ("preferences.duplicate", "Les choix {first} et {second} désignent le même problème : « {title} ». Choisissez un problème différent pour chacun.", "Choices {first} and {second} are the same problem: “{title}”. Choose a different problem for each."),
    ("preferences.submit", "Enregistrer le classement", "Save the ranking"),
    ("preferences.closed", "Le classement n’est plus modifiable.", "The ranking can no longer be changed."),
    ("mission.title", "Mission terrain", "Field mission"),
    ("mission.company", "Entreprise", "Company"),
    ("mission.contact", "Contact", "Contact"),
    ("mission.dates", "Dates", "Dates"),
    ("mission.tutor", "Enseignant-chercheur", "Tutor"),
    ("mission.no_tutor", "pas encore désigné", "not chosen yet"),
    ("mission.team", "Équipe", "Team"),
    ("mission.book", "Réserver un équipement pour la mission", "Book equipment for the mission"),
    ("home.missions", "Vos missions", "Your missions"),
    ("home.campaigns", "Campagnes", "Campaigns"),
    ("flash.problem_submitted", "Votre problème est proposé ; l’équipe de l’école l’examinera.", "Your problem is submitted; the school will review it."),
    ("flash.problem_saved", "Le problème est modifié.", "The problem is saved."),
    ("flash.company_registered", "Votre entreprise est enregistrée.", "Your company is registered."),
    ("flash.team_created", "Votre équipe est créée ; vos coéquipiers sont prévenus par e-mail.", "Your team is created; your teammates are told by e-mail."),
    ("flash.ranked", "Votre classement est enregistré.", "Your ranking is saved."),
    ("field_error.required", "Ce champ est obligatoire.", "This field is required."),
    ("field_error.invalid", "Cette valeur n’est pas valide.", "This value is not valid."),
    ("field_error.password", "Au moins 10 caractères, et pas trop facile à deviner.", "At least 10 characters, and not too easy to guess."),
    ("field_error.email", "Une adresse e-mail valide, comme nom@exemple.fr.", "A valid e-mail address, such as name@example.com."),
    ("field_error.time", "Une heure comme 14:30.", "A time such as 14:30."),
    ("field_error.mark_range", "Une note entre 0 et 20.", "A mark between 0 and 20."),
    ("field_error.mark_step", "Une note au quart de point près, comme 14,5 ou 14,25.", "A mark in quarter points, such as 14.5 or 14.25."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_written_in_both_languages_once() {
        let mut seen = std::collections::HashSet::new();
        for (key, fr, en) in TEXTS
            .iter()
            .chain(crate::web::staff::texts::TEXTS)
            .chain(crate::web::agreements::TEXTS)
            .chain(crate::web::amendments::TEXTS)
            .chain(crate::web::staff::delegations::TEXTS)
            .chain(crate::web::register::TEXTS)
            .chain(crate::web::internships::TEXTS)
            .chain(crate::web::internship_evaluation::TEXTS)
            .chain(crate::web::staff::clauses::TEXTS)
            .chain(crate::web::staff::statistics::TEXTS)
        {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{key} missing a language");
        }
    }

    #[test]
    fn refusals_read_in_the_reader_language_with_a_fallback() {
        assert!(Lang::Fr.refusal("booking_overlap").contains("déjà réservé"));
        assert!(Lang::En
            .refusal("booking_overlap")
            .contains("already booked"));
        assert_eq!(
            Lang::En.refusal("no_such_code"),
            Lang::En.text("error.generic")
        );
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(
            Lang::Fr.plural("staff.to_decide", 0),
            "0 candidature à décider"
        );
        assert_eq!(
            Lang::Fr.plural("staff.to_decide", 1),
            "1 candidature à décider"
        );
        assert_eq!(
            Lang::Fr.plural("staff.to_decide", 3),
            "3 candidatures à décider"
        );
        assert_eq!(Lang::En.plural("emails.attempts", 0), "0 attempts");
        assert_eq!(Lang::En.plural("emails.attempts", 1), "1 attempt");
        assert_eq!(Lang::Fr.plural("emails.attempts", 2), "2 tentatives");
        // No catalogue text shows "(s)" any more where a count is known.
        for (key, fr, en) in TEXTS.iter().chain(crate::web::staff::texts::TEXTS) {
            assert!(!fr.contains("(s)") && !en.contains("(s)"), "{key}");
        }
    }

    #[test]
    fn sentences_are_filled_with_their_values() {
        assert_eq!(
            Lang::Fr.fill("preferences.choice", &[("rank", "2")]),
            "Choix 2"
        );
        assert!(Lang::Fr
            .fill(
                "preferences.duplicate",
                &[("first", "2"), ("second", "5"), ("title", "Chutes")]
            )
            .starts_with("Les choix 2 et 5 désignent le même problème : « Chutes »"));
    }

    #[test]
    fn a_stored_instant_is_dated_in_paris() {
        // 22:30 UTC on 1 March is already 2 March in Paris (23:30, winter time).
        let late = NaiveDate::from_ymd_opt(2027, 3, 1)
            .and_then(|d| d.and_hms_opt(23, 30, 0))
            .expect("instant");
        assert_eq!(Lang::Fr.local_date(late), "mardi 2 mars 2027");
        let summer = NaiveDate::from_ymd_opt(2027, 7, 1)
            .and_then(|d| d.and_hms_opt(22, 15, 0))
            .expect("instant");
        assert_eq!(Lang::En.local_date(summer), "Friday 2 July 2027");
    }

    #[test]
    fn french_dates_read_as_in_the_emails() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        assert_eq!(Lang::Fr.date(day), "lundi 1er mars 2027");
        assert_eq!(Lang::En.date(day), "Monday 1 March 2027");
        let at = NaiveDate::from_ymd_opt(2027, 3, 2)
            .and_then(|d| d.and_hms_opt(13, 30, 0))
            .expect("instant");
        assert_eq!(
            Lang::Fr.datetime(at, chrono_tz::Europe::Paris),
            "mardi 2 mars 2027 à 14:30"
        );
    }
}
