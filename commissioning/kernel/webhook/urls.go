package webhook

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrPrivateTarget is returned when a delivery would connect to an address that is
// not on the public internet (loopback, private, link-local, carrier-grade NAT…): the
// name resolved there after the endpoint was registered (DNS rebinding).
var ErrPrivateTarget = errors.New("webhook: the endpoint's address is not on the public internet")

// ErrTargetPort is returned when a delivery would connect to a port other than 443
// and 8443 (in production).
var ErrTargetPort = errors.New("webhook: the endpoint's port is not 443 or 8443")

// URL problems, by field "url", in the words the form shows.
const (
	msgURLRequired = "Enter the endpoint's address, like https://case-system.example.org/hearth"
	msgURLInvalid  = "Enter a full web address starting https://, like https://case-system.example.org/hearth"
	msgURLHTTPS    = "The address must start https://: Hearth sends children's information only over an encrypted connection"
	msgURLPrivate  = "The address must be on the public internet: not a private, loopback or link-local address"
	msgURLUserinfo = "Remove the user name and password from the address: Hearth signs each delivery instead"
	msgURLPort     = "The address must use port 443 (the https default) or 8443"
)

// CheckURL checks an endpoint's address as registered. Hearth's rule: https only, to
// a host name or a public IP address, no user name or password in the address and no
// fragment, on port 443 or 8443; names under .localhost, .local and .internal are
// refused. With allowLoopback (a development and test setting,
// HEARTH_WEBHOOK_ALLOW_LOOPBACK) any port is allowed, and plain http to localhost and
// loopback addresses only. A host name's addresses
// are checked again at each connection (see dialControl), since DNS can change.
// It returns the problem's message ("" when the address is acceptable).
func CheckURL(raw string, allowLoopback bool) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return msgURLRequired
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return msgURLInvalid
	}
	if u.User != nil {
		return msgURLUserinfo
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return msgURLInvalid
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return msgURLInvalid
	}
	if !allowedPort(u.Port(), allowLoopback) {
		return msgURLPort
	}
	loopback := isLoopbackHost(host)
	if u.Scheme == "http" && !(allowLoopback && loopback) {
		return msgURLHTTPS
	}
	if loopback {
		if allowLoopback {
			return ""
		}
		return msgURLPrivate
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return msgURLPrivate
		}
		return ""
	}
	if !strings.Contains(host, ".") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") ||
		strings.HasSuffix(host, ".localhost") {
		return msgURLPrivate
	}
	return ""
}

func isLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// nonPublic are ranges no endpoint may be reached at beyond those netip names:
// "this network", carrier-grade NAT, IETF protocol assignments, benchmarking, the
// documentation ranges, and NAT64 and 6to4 prefixes that embed private IPv4 addresses.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated): ::10.0.0.1
	netip.MustParsePrefix("2001::/32"),      // Teredo, which embeds an IPv4 address
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"), // site-local (deprecated)
}

// allowedPort reports whether an endpoint may be reached at port ("" is https's 443):
// 443 and 8443 only, unless allowLoopback (development), when any port is.
func allowedPort(port string, allowLoopback bool) bool {
	return allowLoopback || port == "" || port == "443" || port == "8443"
}

// publicAddr reports whether ip is an address on the public internet.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialControl refuses, at connection time, any address that is not public (or, with
// allowLoopback, loopback), or on a port other than 443 and 8443 (without
// allowLoopback): the check CheckURL cannot make for a host name.
func dialControl(allowLoopback bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return ErrPrivateTarget
		}
		if !allowedPort(port, allowLoopback) {
			return ErrTargetPort
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return ErrPrivateTarget
		}
		if publicAddr(ip) || (allowLoopback && ip.Unmap().IsLoopback()) {
			return nil
		}
		return ErrPrivateTarget
	}
}
