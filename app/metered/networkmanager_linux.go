package metered

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

// NetworkManager's names (the D-Bus API of NetworkManager: the global
// Metered property of org.freedesktop.NetworkManager, type NMMetered).
const (
	nmName      = "org.freedesktop.NetworkManager"
	nmPath      = dbus.ObjectPath("/org/freedesktop/NetworkManager")
	nmMetered   = nmName + ".Metered"
	propsIface  = "org.freedesktop.DBus.Properties"
	busIface    = "org.freedesktop.DBus"
	nmUnknown   = 0
	nmYes       = 1
	nmNo        = 2
	nmGuessYes  = 3
	nmGuessNo   = 4
	cannotTell  = "Ferry cannot tell whether the connection is metered"
	whatToCheck = "NetworkManager is not running or not reachable on the system bus"
)

// fromNM maps an NMMetered value to a State: yes and guess-yes are
// metered, no and guess-no are not, anything else is unknown.
func fromNM(v uint32) State {
	switch v {
	case nmYes, nmGuessYes:
		return Metered
	case nmNo, nmGuessNo:
		return Unmetered
	}
	return Unknown
}

// New returns the system's detector: NetworkManager on the system bus, or
// one that cannot tell (with the reason) when there is none.
func New() Detector {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return Unsupported(fmt.Errorf("%s: no system bus (%v)", cannotTell, err))
	}
	d, err := NewNetworkManager(conn)
	if err != nil {
		_ = conn.Close()
		return Unsupported(err)
	}
	d.ownConn = true
	return d
}

// NM follows NetworkManager's Metered property on a bus connection.
type NM struct {
	conn    *dbus.Conn
	ownConn bool
	signals chan *dbus.Signal
	changes chan State
	done    chan struct{}
	wg      sync.WaitGroup

	mu    sync.Mutex
	state State
	once  sync.Once
}

// NewNetworkManager follows NetworkManager on conn (the system bus; a
// test's private bus). It fails, with a reason for the settings window,
// when NetworkManager does not answer.
func NewNetworkManager(conn *dbus.Conn) (*NM, error) {
	d := &NM{
		conn:    conn,
		signals: make(chan *dbus.Signal, 16),
		changes: make(chan State, 1),
		done:    make(chan struct{}),
	}
	// Subscribe before reading, so no change falls between the two.
	conn.Signal(d.signals)
	matches := [][]dbus.MatchOption{
		{dbus.WithMatchObjectPath(nmPath), dbus.WithMatchInterface(propsIface), dbus.WithMatchMember("PropertiesChanged")},
		// NetworkManager before 1.x's switch to the standard signal
		// emitted its own PropertiesChanged(a{sv}); newer ones emit both.
		{dbus.WithMatchObjectPath(nmPath), dbus.WithMatchInterface(nmName), dbus.WithMatchMember("PropertiesChanged")},
		{dbus.WithMatchInterface(busIface), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, nmName)},
	}
	for _, m := range matches {
		if err := conn.AddMatchSignal(m...); err != nil {
			conn.RemoveSignal(d.signals)
			return nil, fmt.Errorf("%s: %s (subscribe: %v)", cannotTell, whatToCheck, err)
		}
	}
	s, err := d.read()
	if err != nil {
		conn.RemoveSignal(d.signals)
		return nil, fmt.Errorf("%s: %s (%v)", cannotTell, whatToCheck, err)
	}
	d.state = s
	d.wg.Add(1)
	go d.loop()
	return d, nil
}

func (d *NM) read() (State, error) {
	v, err := d.conn.Object(nmName, nmPath).GetProperty(nmMetered)
	if err != nil {
		return Unknown, err
	}
	n, ok := v.Value().(uint32)
	if !ok {
		return Unknown, fmt.Errorf("Metered is a %s, not a uint32", v.Signature())
	}
	return fromNM(n), nil
}

func (d *NM) loop() {
	defer d.wg.Done()
	for {
		select {
		case <-d.done:
			return
		case sig, ok := <-d.signals:
			if !ok {
				d.set(Unknown)
				return
			}
			if s, ok := d.interpret(sig); ok {
				d.set(s)
			}
		}
	}
}

// interpret returns the state a signal announces, if it is about Metered.
func (d *NM) interpret(sig *dbus.Signal) (State, bool) {
	switch {
	case sig.Name == busIface+".NameOwnerChanged" && len(sig.Body) == 3:
		if name, _ := sig.Body[0].(string); name != nmName {
			return Unknown, false
		}
		if owner, _ := sig.Body[2].(string); owner == "" {
			return Unknown, true // NetworkManager stopped
		}
		s, err := d.read() // it (re)started
		return s, err == nil
	case sig.Path != nmPath:
		return Unknown, false
	case sig.Name == propsIface+".PropertiesChanged" && len(sig.Body) >= 2:
		if iface, _ := sig.Body[0].(string); iface != nmName {
			return Unknown, false
		}
		props, _ := sig.Body[1].(map[string]dbus.Variant)
		return meteredIn(props)
	case sig.Name == nmName+".PropertiesChanged" && len(sig.Body) >= 1:
		props, _ := sig.Body[0].(map[string]dbus.Variant)
		return meteredIn(props)
	}
	return Unknown, false
}

func meteredIn(props map[string]dbus.Variant) (State, bool) {
	v, ok := props["Metered"]
	if !ok {
		return Unknown, false
	}
	n, ok := v.Value().(uint32)
	if !ok {
		return Unknown, false
	}
	return fromNM(n), true
}

func (d *NM) set(s State) {
	d.mu.Lock()
	same := d.state == s
	d.state = s
	d.mu.Unlock()
	if same {
		return
	}
	// Keep only the latest undelivered state.
	for {
		select {
		case d.changes <- s:
			return
		default:
		}
		select {
		case <-d.changes:
		default:
		}
	}
}

// Supported is nil: NetworkManager answered.
func (d *NM) Supported() error { return nil }

// State is the latest state NetworkManager reported.
func (d *NM) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// Changes delivers new states; closed by Close.
func (d *NM) Changes() <-chan State { return d.changes }

// Close stops following (and closes the connection New opened).
func (d *NM) Close() error {
	var err error
	d.once.Do(func() {
		close(d.done)
		d.conn.RemoveSignal(d.signals)
		d.wg.Wait()
		close(d.changes)
		if d.ownConn {
			err = d.conn.Close()
		}
	})
	return err
}

var _ Detector = (*NM)(nil)
