/* a line the series inserts */


	/* Prevent changing power state for PFs with VFs enabled */
	if (state > PCI_D0) {
		lockdep_assert_held_write(&vdev->memory_lock);
