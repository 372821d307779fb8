// @generated automatically by Diesel CLI.

diesel::table! {
    allocations (campaign_id) {
        campaign_id -> Text,
        objective -> Text,
        result -> Text,
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
    companies (id) {
        id -> Text,
        contact_id -> Nullable<Text>,
        name -> Text,
        city -> Text,
        local -> Bool,
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
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
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

diesel::joinable!(allocations -> campaigns (campaign_id));
diesel::joinable!(campaign_constraints -> campaigns (campaign_id));
diesel::joinable!(campaign_constraints -> problems (problem_id));
diesel::joinable!(campaign_constraints -> teams (team_id));
diesel::joinable!(companies -> users (contact_id));
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
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(team_members -> campaigns (campaign_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (student_id));
diesel::joinable!(teams -> campaigns (campaign_id));

diesel::allow_tables_to_appear_in_same_query!(
    allocations,
    campaign_constraints,
    campaigns,
    companies,
    missions,
    notifications,
    password_tokens,
    preferences,
    problems,
    sessions,
    team_members,
    teams,
    users,
);
