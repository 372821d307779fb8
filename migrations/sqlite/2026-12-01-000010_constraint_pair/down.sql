DROP INDEX campaign_constraints_pair;
