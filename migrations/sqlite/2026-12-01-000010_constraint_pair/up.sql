-- One constraint per (team, problem) pair: a second one is 409 `already_exists`, and the
-- database holds it under concurrency. Duplicates from before are folded to the first.
DELETE FROM campaign_constraints
WHERE id NOT IN (SELECT MIN(id) FROM campaign_constraints GROUP BY team_id, problem_id);
CREATE UNIQUE INDEX campaign_constraints_pair ON campaign_constraints (team_id, problem_id);
