-- Field missions: campaigns, companies and their problems, student teams and their ranked
-- preferences, staff's constraints, the latest allocation, and the missions it became.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    weeks INTEGER NOT NULL CHECK (weeks >= 1),
    team_size INTEGER NOT NULL CHECK (team_size >= 1),
    max_problems INTEGER NOT NULL CHECK (max_problems >= 0),
    max_choices INTEGER NOT NULL CHECK (max_choices >= 1),
    status TEXT NOT NULL CHECK (status IN ('problems_open', 'signup_open', 'allocated', 'published')),
    created_at TIMESTAMP NOT NULL
);

-- A company has at most one contact account, and an account is the contact of one company.
CREATE TABLE companies (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT REFERENCES users (id),
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX companies_contact_key ON companies (contact_id);

CREATE TABLE problems (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    company_id TEXT NOT NULL REFERENCES companies (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    domain TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected')),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX problems_campaign ON problems (campaign_id, status, id);
CREATE INDEX problems_company ON problems (company_id);

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX teams_campaign ON teams (campaign_id, id);

-- campaign_id is repeated here so that the database itself keeps a student in one team of a
-- campaign, whatever the concurrency.
CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (team_id, student_id)
);
CREATE UNIQUE INDEX team_members_one_team_per_campaign ON team_members (campaign_id, student_id);
CREATE INDEX team_members_student ON team_members (student_id);

CREATE TABLE preferences (
    team_id TEXT NOT NULL REFERENCES teams (id),
    rank INTEGER NOT NULL CHECK (rank >= 1),
    problem_id TEXT NOT NULL REFERENCES problems (id),
    PRIMARY KEY (team_id, rank)
);
CREATE UNIQUE INDEX preferences_team_problem ON preferences (team_id, problem_id);

CREATE TABLE campaign_constraints (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    problem_id TEXT NOT NULL REFERENCES problems (id),
    kind TEXT NOT NULL CHECK (kind IN ('forbid', 'pin')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaign_constraints_campaign ON campaign_constraints (campaign_id, id);

-- The latest allocation of a campaign, as the API shows it (JSON text).
CREATE TABLE allocations (
    campaign_id TEXT PRIMARY KEY NOT NULL REFERENCES campaigns (id),
    objective TEXT NOT NULL CHECK (objective IN ('fair', 'rank_sum', 'rank_maximal', 'generous')),
    result TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE missions (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    problem_id TEXT NOT NULL REFERENCES problems (id),
    company_id TEXT NOT NULL REFERENCES companies (id),
    tutor_id TEXT REFERENCES users (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX missions_team_key ON missions (team_id);
CREATE UNIQUE INDEX missions_problem_key ON missions (problem_id);
CREATE INDEX missions_campaign ON missions (campaign_id, id);
CREATE INDEX missions_company ON missions (company_id);
CREATE INDEX missions_tutor ON missions (tutor_id);
