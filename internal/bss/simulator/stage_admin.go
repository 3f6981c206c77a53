package simulator

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Console action names of the admin API (POST /_sim/console/{domain_id}/{user}/{action}).
const (
	ConsoleActionRenew       = "renew"
	ConsoleActionPay         = "pay"
	ConsoleActionCancel      = "cancel"
	ConsoleActionAutoRenew   = "autorenew"
	ConsoleActionToOnDemand  = "to-on-demand"
	ConsoleActionUnsubscribe = "unsubscribe"
)

// ConsoleRequest is the body of a console action other than renew (which
// takes a ConsoleRenew); each action reads the fields it needs.
type ConsoleRequest struct {
	// OrderID is the order to pay or cancel.
	OrderID string `json:"orderId,omitempty"`
	// Discount pays with the order's commercial discount.
	Discount bool `json:"discount,omitempty"`
	// ResourceID is the resource of autorenew, to-on-demand and unsubscribe.
	ResourceID string `json:"resourceId,omitempty"`
	// On switches auto-renew or to-on-demand on (true) or off.
	On bool `json:"on,omitempty"`
	// Type is the unsubscribe_type (1, default, or 2).
	Type int `json:"type,omitempty"`
}

// HoldRequest is the body of POST /_sim/orders/{order_id}/hold.
type HoldRequest struct {
	Status int           `json:"status"`
	For    time.Duration `json:"for"`
}

// stageRoutes registers the admin endpoints that stage adversaries: console
// users, the write log, payments, prices and order holds.
func (s *Server) stageRoutes(h func(string, func(*http.Request) (any, error))) {
	h("POST /_sim/accounts/{domain_id}/credentials", func(r *http.Request) (any, error) {
		var c Credential
		if err := decodeAdmin(r, &c); err != nil {
			return nil, err
		}
		return nil, s.AddCredential(r.PathValue("domain_id"), c)
	})
	h("POST /_sim/console/{domain_id}/{user}/{action}", func(r *http.Request) (any, error) {
		con := s.Console(r.PathValue("domain_id"), r.PathValue("user"))
		if r.PathValue("action") == ConsoleActionRenew {
			var req ConsoleRenew
			if err := decodeAdmin(r, &req); err != nil {
				return nil, err
			}
			return con.Renew(req)
		}
		var req ConsoleRequest
		if err := decodeAdmin(r, &req); err != nil {
			return nil, err
		}
		switch r.PathValue("action") {
		case ConsoleActionPay:
			return con.Pay(req.OrderID, req.Discount)
		case ConsoleActionCancel:
			return con.Cancel(req.OrderID)
		case ConsoleActionAutoRenew:
			return con.AutoRenew(req.ResourceID, req.On)
		case ConsoleActionToOnDemand:
			return con.ToOnDemand(req.ResourceID, req.On)
		case ConsoleActionUnsubscribe:
			t := req.Type
			if t == 0 {
				t = 1
			}
			return con.Unsubscribe(req.ResourceID, t)
		}
		return nil, fmt.Errorf("unknown console action %q", r.PathValue("action"))
	})
	h("GET /_sim/payments", func(*http.Request) (any, error) { return s.Payments(), nil })
	h("GET /_sim/writes", func(r *http.Request) (any, error) {
		var since int64
		if v := r.URL.Query().Get("since"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("since: %w", err)
			}
			since = n
		}
		out := []WriteEntry{}
		for _, e := range s.Writes() {
			if e.Seq > since {
				out = append(out, e)
			}
		}
		return out, nil
	})
	h("DELETE /_sim/writes", func(*http.Request) (any, error) { s.ResetWrites(); return nil, nil })
	h("POST /_sim/resources/{id}/price", func(r *http.Request) (any, error) {
		var pc PriceChange
		if err := decodeAdmin(r, &pc); err != nil {
			return nil, err
		}
		return nil, s.SetPrice(r.PathValue("id"), pc)
	})
	h("GET /_sim/prices", func(*http.Request) (any, error) { return s.PendingPrices(), nil })
	h("POST /_sim/holds", func(r *http.Request) (any, error) {
		var oh OrderHold
		if err := decodeAdmin(r, &oh); err != nil {
			return nil, err
		}
		return nil, s.HoldOrders(oh)
	})
	h("POST /_sim/orders/{order_id}/hold", func(r *http.Request) (any, error) {
		var req HoldRequest
		if err := decodeAdmin(r, &req); err != nil {
			return nil, err
		}
		return nil, s.HoldOrder(r.PathValue("order_id"), req.Status, req.For)
	})
}
