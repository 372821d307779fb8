// @generated automatically by Diesel CLI.

diesel::table! {
    agreement_amendments (id) {
        id -> Text,
        agreement_id -> Text,
        number -> Int4,
        status -> Text,
        reason -> Text,
        changes -> Text,
        terminates_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        requested_by -> Text,
        sha256 -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agreement_counts (campaign_id, kind, status) {
        campaign_id -> Text,
        kind -> Text,
        status -> Text,
        n -> Int4,
    }
}

diesel::table! {
    agreement_document_blobs (agreement_id, version) {
        agreement_id -> Text,
        version -> Int4,
        pdf -> Bytea,
    }
}

diesel::table! {
    agreement_documents (agreement_id, version) {
        agreement_id -> Text,
        version -> Int4,
        sha256 -> Text,
        created_at -> Timestamp,
        clauses -> Nullable<Text>,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    agreement_final_documents (agreement_id) {
        agreement_id -> Text,
        pdf -> Bytea,
    }
}

diesel::table! {
    agreement_signatures (agreement_id, version, party) {
        agreement_id -> Text,
        version -> Int4,
        party -> Text,
        user_id -> Text,
        signed_at -> Nullable<Timestamp>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        document_sha256 -> Nullable<Text>,
        voided_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
    }
}

diesel::table! {
    agreement_signed_copies (agreement_id, version) {
        agreement_id -> Text,
        version -> Int4,
        attested_by -> Text,
        attested_at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    agreement_validations (id) {
        id -> Text,
        agreement_id -> Text,
        step -> Text,
        decision -> Text,
        reason -> Nullable<Text>,
        by_user -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        kind -> Text,
        status -> Text,
        version -> Int4,
        locale -> Text,
        campaign_id -> Nullable<Text>,
        mission_id -> Nullable<Text>,
        company_id -> Text,
        student_id -> Nullable<Text>,
        tutor_id -> Nullable<Text>,
        subject -> Text,
        description -> Text,
        place -> Text,
        supervisor -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Date,
        sent_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    allocations (campaign_id) {
        campaign_id -> Text,
        objective -> Text,
        result -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    amendment_documents (amendment_id) {
        amendment_id -> Text,
        pdf -> Bytea,
    }
}

diesel::table! {
    amendment_signatures (amendment_id, party) {
        amendment_id -> Text,
        party -> Text,
        user_id -> Text,
        signed_at -> Nullable<Timestamp>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        document_sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    amendment_validations (id) {
        id -> Text,
        amendment_id -> Text,
        step -> Text,
        decision -> Text,
        reason -> Nullable<Text>,
        by_user -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    application_events (id) {
        id -> Text,
        application_id -> Text,
        actor_id -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        tutor_id -> Nullable<Text>,
        previous_tutor_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        founder_id -> Text,
        title -> Text,
        summary -> Text,
        domain -> Text,
        manufactured_product -> Bool,
        status -> Text,
        tutor_id -> Nullable<Text>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        decision_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bookings (id) {
        id -> Text,
        equipment_id -> Text,
        user_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        purpose -> Nullable<Text>,
        application_id -> Nullable<Text>,
        mission_id -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    campaign_constraints (id) {
        id -> Text,
        campaign_id -> Text,
        team_id -> Text,
        problem_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        weeks -> Int4,
        team_size -> Int4,
        max_problems -> Int4,
        max_choices -> Int4,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    clause_templates (kind, locale) {
        kind -> Text,
        locale -> Text,
        body -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    companies (id) {
        id -> Text,
        contact_id -> Nullable<Text>,
        name -> Text,
        city -> Text,
        local -> Bool,
        created_at -> Timestamp,
        siret -> Nullable<Text>,
        address -> Text,
        representative_name -> Text,
        representative_role -> Text,
        headcount -> Nullable<Int4>,
    }
}

diesel::table! {
    equipment (id) {
        id -> Text,
        lab_id -> Text,
        name -> Text,
        description -> Text,
        min_minutes -> Int4,
        max_minutes -> Int4,
        requires_training -> Bool,
        weekly_hours_per_project -> Nullable<Int4>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    equipment_authorizations (id) {
        id -> Text,
        equipment_id -> Text,
        user_id -> Text,
        expires_on -> Nullable<Date>,
        granted_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (mission_id, evaluator, student_id) {
        mission_id -> Text,
        evaluator -> Text,
        student_id -> Text,
        evaluator_id -> Text,
        mark -> Float8,
        comments -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incubator_lock (id) {
        id -> Int4,
    }
}

diesel::table! {
    internship_certificates (agreement_id) {
        agreement_id -> Text,
        token_hash -> Text,
        prepared_at -> Timestamp,
        presence_minutes -> Int4,
        gratification_cents -> Nullable<Int8>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    internship_evaluations (agreement_id) {
        agreement_id -> Text,
        token_hash -> Text,
        mark_quarters -> Nullable<Int4>,
        appreciation -> Text,
        skills -> Text,
        submitted_at -> Nullable<Timestamp>,
        reminders_sent -> Int4,
        created_at -> Timestamp,
    }
}

diesel::table! {
    internships (agreement_id) {
        agreement_id -> Text,
        requested_by -> Text,
        student_number -> Text,
        programme -> Text,
        programme_hours -> Text,
        internship_type -> Text,
        department -> Text,
        supervisor_name -> Text,
        supervisor_role -> Text,
        supervisor_email -> Text,
        supervisor_phone -> Text,
        activities -> Text,
        skills -> Text,
        weekly_minutes -> Int4,
        work_days -> Text,
        night_work -> Bool,
        sunday_work -> Bool,
        holiday_work -> Bool,
        interruptions -> Text,
        leave -> Text,
        gratification_cents -> Nullable<Int4>,
        gratification_terms -> Text,
        benefits -> Text,
        confidential -> Bool,
        internal_rules -> Text,
        overlap_allowed -> Bool,
        presence_minutes -> Int4,
        gratification_due -> Bool,
        supervisor_token_hash -> Nullable<Text>,
        supervisor_completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lab_closures (id) {
        id -> Text,
        lab_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lab_opening_hours (id) {
        id -> Text,
        lab_id -> Text,
        weekday -> Int4,
        opens_minute -> Int4,
        closes_minute -> Int4,
    }
}

diesel::table! {
    labs (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        timezone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    missions (id) {
        id -> Text,
        campaign_id -> Text,
        team_id -> Text,
        problem_id -> Text,
        company_id -> Text,
        tutor_id -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        recipient -> Text,
        locale -> Text,
        kind -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attachments -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        message_id -> Text,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    preferences (team_id, rank) {
        team_id -> Text,
        rank -> Int4,
        problem_id -> Text,
    }
}

diesel::table! {
    problems (id) {
        id -> Text,
        campaign_id -> Text,
        company_id -> Text,
        title -> Text,
        description -> Text,
        domain -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saved_filters (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        query -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scheduled_jobs (id) {
        id -> Text,
        kind -> Text,
        subject_id -> Text,
        due_at -> Timestamp,
        status -> Text,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        done_by -> Nullable<Text>,
        done_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    signature_delegations (id) {
        id -> Text,
        from_user -> Text,
        to_user -> Text,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    team_members (team_id, student_id) {
        team_id -> Text,
        campaign_id -> Text,
        student_id -> Text,
        position -> Int4,
    }
}

diesel::table! {
    teams (id) {
        id -> Text,
        campaign_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tutors (user_id) {
        user_id -> Text,
        domains -> Text,
        max_projects -> Int4,
        max_missions -> Int4,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(agreement_amendments -> agreements (agreement_id));
diesel::joinable!(agreement_amendments -> users (requested_by));
diesel::joinable!(agreement_documents -> agreements (agreement_id));
diesel::joinable!(agreement_final_documents -> agreements (agreement_id));
diesel::joinable!(agreement_signatures -> agreements (agreement_id));
diesel::joinable!(agreement_signatures -> users (user_id));
diesel::joinable!(agreement_signed_copies -> users (attested_by));
diesel::joinable!(agreement_validations -> agreements (agreement_id));
diesel::joinable!(agreement_validations -> users (by_user));
diesel::joinable!(agreements -> campaigns (campaign_id));
diesel::joinable!(agreements -> companies (company_id));
diesel::joinable!(agreements -> missions (mission_id));
diesel::joinable!(allocations -> campaigns (campaign_id));
diesel::joinable!(amendment_documents -> agreement_amendments (amendment_id));
diesel::joinable!(amendment_signatures -> agreement_amendments (amendment_id));
diesel::joinable!(amendment_signatures -> users (user_id));
diesel::joinable!(amendment_validations -> agreement_amendments (amendment_id));
diesel::joinable!(amendment_validations -> users (by_user));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(bookings -> applications (application_id));
diesel::joinable!(bookings -> equipment (equipment_id));
diesel::joinable!(campaign_constraints -> campaigns (campaign_id));
diesel::joinable!(campaign_constraints -> problems (problem_id));
diesel::joinable!(campaign_constraints -> teams (team_id));
diesel::joinable!(clause_templates -> users (updated_by));
diesel::joinable!(companies -> users (contact_id));
diesel::joinable!(equipment -> labs (lab_id));
diesel::joinable!(equipment_authorizations -> equipment (equipment_id));
diesel::joinable!(evaluations -> missions (mission_id));
diesel::joinable!(evaluations -> users (evaluator_id));
diesel::joinable!(internship_certificates -> internships (agreement_id));
diesel::joinable!(internship_evaluations -> internships (agreement_id));
diesel::joinable!(internships -> agreements (agreement_id));
diesel::joinable!(internships -> users (requested_by));
diesel::joinable!(lab_closures -> labs (lab_id));
diesel::joinable!(lab_closures -> users (created_by));
diesel::joinable!(lab_opening_hours -> labs (lab_id));
diesel::joinable!(missions -> campaigns (campaign_id));
diesel::joinable!(missions -> companies (company_id));
diesel::joinable!(missions -> problems (problem_id));
diesel::joinable!(missions -> teams (team_id));
diesel::joinable!(missions -> users (tutor_id));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(preferences -> problems (problem_id));
diesel::joinable!(preferences -> teams (team_id));
diesel::joinable!(problems -> campaigns (campaign_id));
diesel::joinable!(problems -> companies (company_id));
diesel::joinable!(saved_filters -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(team_members -> campaigns (campaign_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (student_id));
diesel::joinable!(teams -> campaigns (campaign_id));
diesel::joinable!(tutors -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    agreement_amendments,
    agreement_counts,
    agreement_document_blobs,
    agreement_documents,
    agreement_final_documents,
    agreement_signatures,
    agreement_signed_copies,
    agreement_validations,
    agreements,
    allocations,
    amendment_documents,
    amendment_signatures,
    amendment_validations,
    application_events,
    applications,
    bookings,
    campaign_constraints,
    campaigns,
    clause_templates,
    companies,
    equipment,
    equipment_authorizations,
    evaluations,
    incubator_lock,
    internship_certificates,
    internship_evaluations,
    internships,
    lab_closures,
    lab_opening_hours,
    labs,
    missions,
    notifications,
    password_tokens,
    preferences,
    problems,
    saved_filters,
    scheduled_jobs,
    sessions,
    signature_delegations,
    team_members,
    teams,
    tutors,
    users,
);
