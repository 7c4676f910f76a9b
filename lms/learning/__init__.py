"""Learning: cohorts, enrolment, progress, quizzes and the dashboards built on them."""
