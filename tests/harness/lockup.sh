# A test that hangs the guest on purpose (tests/run's harness checks run it
# alone): the lockup module spins with preemption disabled until the
# soft-lockup detector reports it; scripts/vm-run must kill the guest
# within seconds and name this test and the spinning function.

t_soft_lockup() {
	modprobe kipsec_lockup_test
}

# Runs in the boot that resumes after the hang.
t_after_soft_lockup() {
	true
}
