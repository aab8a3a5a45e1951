-- An enrolment ends as WITHDRAWN (4) when its referral is cancelled, or its consent withdrawn or
-- expired, after acceptance: the seat is freed like any other ending.
ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_status_check CHECK (status BETWEEN 1 AND 4);
