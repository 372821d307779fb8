// @generated automatically by Diesel CLI.

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
    incubator_lock (id) {
        id -> Int4,
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
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
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

diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tutors -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    application_events,
    applications,
    incubator_lock,
    notifications,
    password_tokens,
    sessions,
    tutors,
    users,
);
