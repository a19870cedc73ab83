-- Local staff accounts, their sessions and the login throttle of the gateway.

CREATE TABLE accounts (
    username        text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash   text NOT NULL,                       -- argon2id, PHC string format
    role            text NOT NULL
                    CHECK (role IN ('admin', 'steering_committee', 'area_coordinator', 'council_member')),
    social_area_key text,                                -- scope of an area_coordinator
    district_key    text,                                -- scope of a council_member
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_scope_fits_role CHECK (
        (role = 'area_coordinator' AND social_area_key IS NOT NULL AND district_key IS NULL)
        OR (role = 'council_member' AND district_key IS NOT NULL AND social_area_key IS NULL)
        OR (role IN ('admin', 'steering_committee') AND social_area_key IS NULL AND district_key IS NULL)
    )
);

CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),  -- SHA-256 of the cookie value
    username    text NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_username_idx ON sessions (username);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed logins per username (also for unknown usernames, so that the answer does not reveal them).
CREATE TABLE login_failures (
    username        text PRIMARY KEY CHECK (length(username) <= 200),
    failures        integer NOT NULL CHECK (failures > 0),
    first_failed_at timestamptz NOT NULL,
    locked_until    timestamptz
);
