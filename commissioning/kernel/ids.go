package kernel

// NullID is NULL for the system (0) and the id otherwise.
func NullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
