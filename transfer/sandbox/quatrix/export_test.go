package quatrix

// HeldKeys is the number of upload keys the API keeps in memory (tests only).
func HeldKeys(a *API) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.uploads)
}
