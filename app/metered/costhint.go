package metered

// costHint is Windows' NL_NETWORK_CONNECTIVITY_HINT (netioapi.h), the
// answer of iphlpapi's GetNetworkConnectivityHint: two enums and three
// BOOLEANs (one byte each, padded to 12 bytes). It is declared on every
// platform so the decision below is tested everywhere; only
// metered_windows.go fills it from the system.
type costHint struct {
	ConnectivityLevel    int32 // NL_NETWORK_CONNECTIVITY_LEVEL_HINT; not used
	ConnectivityCost     int32 // NL_NETWORK_CONNECTIVITY_COST_HINT (cost* below)
	ApproachingDataLimit uint8
	OverDataLimit        uint8
	Roaming              uint8
}

// NL_NETWORK_CONNECTIVITY_COST_HINT values.
const (
	costUnknown      = 0 // NetworkConnectivityCostHintUnknown
	costUnrestricted = 1 // NetworkConnectivityCostHintUnrestricted
	costFixed        = 2 // NetworkConnectivityCostHintFixed
	costVariable     = 3 // NetworkConnectivityCostHintVariable
)

// fromCostHint decides the State of a connectivity hint as Windows'
// guidance for metered connections does: a connection roaming, near or
// over its data limit is metered whatever its cost; a fixed-cost
// (capped plan) or variable-cost (paid by the byte) connection is
// metered; an unrestricted one is not; an unknown cost (or a value this
// build does not know) is Unknown, which never pauses.
func fromCostHint(h costHint) State {
	if h.ApproachingDataLimit != 0 || h.OverDataLimit != 0 || h.Roaming != 0 {
		return Metered
	}
	switch h.ConnectivityCost {
	case costFixed, costVariable:
		return Metered
	case costUnrestricted:
		return Unmetered
	}
	return Unknown
}
