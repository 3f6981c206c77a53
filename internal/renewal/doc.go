// Package renewal holds the decisions of a renewal attempt apart from any
// I/O: given the request's spec, the quote, the referenced BudgetAlert's
// state and the time, it decides whether the attempt may order now, waits
// for a person, is held, or ends, and why. It uses no Kubernetes client, no
// controller-runtime and no HTTP; the RenewalRequest reconciler reads, calls
// Evaluate and writes the Decision. It also holds the timing rules every
// attempt follows: the renewal lead and the term it is a share of
// (RenewalLead, CheckLead, WarnLead), the stable per-object jitter
// (JitterFraction) and the backoff after failures (Backoff); the phase
// transitions of an attempt (Admit, Gated, Ordering, Payment, Confirming:
// each takes what the reconciler read and returns a Transition, or the I/O
// it needs first); and the order ledger, this process's memory of its own
// renew calls (Ledger).
//
// The gates form a chain of small policies, applied in this order:
//
//  1. a person's Deny ends the attempt;
//  2. a pending order for another period is never paid (issue 16, path 5);
//  3. the price cap (spec.maxPrice) asks for approval above it;
//  4. the budget holds unless the BudgetAlert vouches for the renewal
//     (issue 16, path 7), and asks for approval under RequireApproval;
//  5. the approval policy (Always, AboveAmount) asks for approval;
//  6. a pending order the attempt did not place asks for approval unless
//     the policy says Gate (issue 16, path 5);
//  7. a person's approval answers the asks, up to the amount it binds to
//     (issue 16, path 8);
//  8. the renewal window holds the order until it opens.
package renewal
