package sdkconformance

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
	"github.com/shopspring/decimal"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

const (
	domainID = "d0m41n00000000000000000000000001"
	ak       = "CONFORMANCEAK0000001"
	sk       = "conformanceSecretKey000000000000000000001"
)

// t0 is the simulated time: 2025-03-10 10:00 GMT+08:00. Signatures are
// checked against the real clock, as the SDK signs with time.Now.
var t0 = time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)

const inventory = `
accounts:
  - domainId: d0m41n00000000000000000000000001
    name: conformance
    cash: "1000.00"
    credentials:
      - accessKey: CONFORMANCEAK0000001
        secretKey: conformanceSecretKey000000000000000000001
resources:
  - id: ecs-1
    name: web
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ec2
    serviceTypeName: Elastic Cloud Server
    resourceTypeCode: hws.resource.type.vm
    resourceTypeName: Cloud Host
    specCode: s6.large.2.linux
    monthlyPrice: "100"
    discountRatio: "0.9"
    expireTime: 2025-03-30T15:59:59Z
    attached:
      - id: evs-1
        serviceTypeCode: hws.service.type.ebs
        resourceTypeCode: hws.resource.type.volume
        specCode: SSD
        monthlyPrice: "10"
  - id: ecs-2
    name: worker
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ec2
    resourceTypeCode: hws.resource.type.vm
    monthlyPrice: "50"
    expireTime: 2025-03-13T15:59:59Z
  - id: vol-1
    name: data
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ebs
    resourceTypeCode: hws.resource.type.volume
    specCode: GPSSD
    specSize: "40"
    specSizeMeasureId: 17
    monthlyPrice: "8"
    expireTime: 2025-05-30T15:59:59Z
costRecords:
  - account: d0m41n00000000000000000000000001
    resourceId: ecs-1
    time: 2025-02-10T04:00:00Z
    chargingMode: 1
    amount: "90.00"
    officialAmount: "100.00"
`

// wire is one request as the simulator received it.
type wire struct {
	method, path, query string
	header              http.Header
}

// recorder keeps the requests the SDK sent, to show what was accepted.
type recorder struct {
	mu   sync.Mutex
	reqs []wire
	next http.Handler
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, wire{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, header: r.Header.Clone()})
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

func (rec *recorder) last(t *testing.T) wire {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request reached the simulator")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func newSDK(t *testing.T) (*bssintl.BssintlClient, *recorder) {
	t.Helper()
	sim := simulator.New(simulator.WithClock(testingclock.NewFakeClock(t0)), simulator.WithThrottling(false))
	inv, err := simulator.ParseInventory([]byte(inventory))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.LoadInventory(inv); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: sim}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	// The domain id is given: without it the SDK would ask IAM for it.
	cred, err := global.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithDomainId(domainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := bssintl.BssintlClientBuilder().WithEndpoints([]string{ts.URL}).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithRetries(0).WithTimeout(10 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bssintl.NewBssintlClient(hc), rec
}

var _ = core.NewHcHttpClientBuilder // the builder type the bssintl client wraps

func ptr[T any](v T) *T { return &v }

func must[T any](t *testing.T, what string, call func() (T, error)) T {
	t.Helper()
	v, err := call()
	if err != nil {
		t.Fatalf("%s: the simulator refused or the SDK could not decode: %v", what, err)
	}
	return v
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestSDKConformance calls every operation of internal/bss.Client
// (interface.go) with the official SDK, in a sequence that exercises the
// simulator's state, and checks that each response decodes into the SDK's
// models with the fields the operator reads.
func TestSDKConformance(t *testing.T) {
	c, rec := newSDK(t)

	// QueryResources and ListResources: 6.3.1 (ListPayPerUseCustomerResources).
	res := must(t, "ListPayPerUseCustomerResources", func() (*model.ListPayPerUseCustomerResourcesResponse, error) {
		return c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			ResourceIds: &[]string{"ecs-1"}, OnlyMainResource: ptr(int32(0)), Limit: ptr(int32(500)), Offset: ptr(int32(0))}})
	})
	if res.TotalCount == nil || res.Data == nil || len(*res.Data) != 2 {
		t.Fatalf("6.3.1 by id: %v", res)
	}
	for _, r := range *res.Data {
		if str(r.ResourceId) == "" || str(r.ExpireTime) == "" || str(r.EffectiveTime) == "" || r.Status == nil ||
			r.IsMainResource == nil || r.ExpirePolicy == nil || str(r.ParentResourceId) == "" || str(r.RegionCode) == "" ||
			str(r.ServiceTypeCode) == "" || str(r.ResourceTypeCode) == "" || r.EnterpriseProject == nil {
			t.Errorf("6.3.1 record lacks a field the operator reads: %v", r)
		}
	}
	if w := rec.last(t); w.path != "/v2/orders/suscriptions/resources/query" {
		t.Errorf("the SDK called %s", w.path)
	}
	page := must(t, "ListPayPerUseCustomerResources (filters)", func() (*model.ListPayPerUseCustomerResourcesResponse, error) {
		return c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			OnlyMainResource: ptr(int32(1)), StatusList: &[]int32{2}, Limit: ptr(int32(10)), Offset: ptr(int32(0)),
			ExpireTimeBegin: ptr("2025-03-01T00:00:00Z"), ExpireTimeEnd: ptr("2025-04-01T00:00:00Z"),
			ServiceTypeCode: ptr("hws.service.type.ec2")}})
	})
	if page.TotalCount == nil || *page.TotalCount != 2 {
		t.Errorf("6.3.1 filtered: %v", page)
	}

	// RenewalPrice: 4.2.3 (ListRenewRateOnPeriod).
	quote := must(t, "ListRenewRateOnPeriod", func() (*model.ListRenewRateOnPeriodResponse, error) {
		return c.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{
			ResourceIds: []string{"ecs-1"}, PeriodType: 2, PeriodNum: 1, IncludeRelativeResources: ptr(true)}})
	})
	if quote.RenewInquiryResults == nil || len(*quote.RenewInquiryResults) != 1 || str((*quote.RenewInquiryResults)[0].Amount) == "" ||
		str(quote.Currency) == "" || quote.OfficialWebsiteRatingResult == nil {
		t.Errorf("4.2.3: %v", quote)
	}

	// OnDemandPrice: 4.2.1 (ListOnDemandResourceRatings), one hour of
	// ecs-1's product and of its 40 GB disk, as the operator asks it. The
	// SDK sends usage_value as a string and size_measure_id.
	ppu := must(t, "ListOnDemandResourceRatings", func() (*model.ListOnDemandResourceRatingsResponse, error) {
		one := decimal.NewFromInt(1)
		return c.ListOnDemandResourceRatings(&model.ListOnDemandResourceRatingsRequest{Body: &model.RateOnDemandReq{
			ProjectId: "proj-1", ProductInfos: []model.DemandProductInfo{
				{Id: "ecs-1", CloudServiceType: "hws.service.type.ec2", ResourceType: "hws.resource.type.vm", ResourceSpec: "s6.large.2.linux",
					Region: "ap-southeast-1", UsageFactor: "Duration", UsageValue: &one, UsageMeasureId: 4, SubscriptionNum: 1},
				{Id: "vol-1", CloudServiceType: "hws.service.type.ebs", ResourceType: "hws.resource.type.volume", ResourceSpec: "GPSSD",
					Region: "ap-southeast-1", UsageFactor: "Duration", UsageValue: &one, UsageMeasureId: 4, SubscriptionNum: 1,
					ResourceSize: ptr(int32(40)), SizeMeasureId: ptr(int32(17))},
			}}})
	})
	if ppu.Amount == nil || ppu.OfficialWebsiteAmount == nil || ppu.DiscountAmount == nil || str(ppu.Currency) != "USD" ||
		ppu.MeasureId == nil || *ppu.MeasureId != 1 || ppu.ProductRatingResults == nil || len(*ppu.ProductRatingResults) != 2 {
		t.Fatalf("4.2.1: %v", ppu)
	}
	for _, r := range *ppu.ProductRatingResults {
		if str(r.Id) == "" || str(r.ProductId) == "" || r.Amount == nil || r.OfficialWebsiteAmount == nil || r.DiscountAmount == nil ||
			r.MeasureId == nil || r.DiscountRatingResults == nil {
			t.Errorf("4.2.1 result lacks a field the operator reads: %v", r)
		}
	}
	// ecs-1: 100 a month × 1.5 / 730 = 0.205479 an hour list, 0.9 ratio.
	if first := (*ppu.ProductRatingResults)[0]; !first.Amount.Equal(decimal.RequireFromString("0.184931")) {
		t.Errorf("4.2.1 ecs-1 hourly price %s, want 0.184931", first.Amount)
	}

	// Renew: 6.3.2 (RenewalResources), without auto-pay: a pending order.
	renewed := must(t, "RenewalResources", func() (*model.RenewalResourcesResponse, error) {
		return c.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
			ResourceIds: []string{"ecs-1"}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(0))}})
	})
	if renewed.OrderIds == nil || len(*renewed.OrderIds) != 1 {
		t.Fatalf("6.3.2: %v", renewed)
	}
	orderID := (*renewed.OrderIds)[0]

	// ListOrders: 6.2.1 (ListCustomerOrders), with time filters whose
	// colons the SDK escapes in the query string.
	orders := must(t, "ListCustomerOrders", func() (*model.ListCustomerOrdersResponse, error) {
		return c.ListCustomerOrders(&model.ListCustomerOrdersRequest{OrderId: ptr(orderID),
			CreateTimeBegin: ptr("2025-03-10T00:00:00Z"), CreateTimeEnd: ptr("2025-03-11T00:00:00Z"),
			Status: ptr(int32(6)), Limit: ptr(int32(100)), Offset: ptr(int32(0))})
	})
	if orders.OrderInfos == nil || len(*orders.OrderInfos) != 1 {
		t.Fatalf("6.2.1: %v", orders)
	}
	o := (*orders.OrderInfos)[0]
	if str(o.OrderId) != orderID || o.Status == nil || *o.Status != 6 || o.OrderType == nil || o.AmountAfterDiscount == nil ||
		o.OfficialAmount == nil || str(o.CreateTime) == "" || str(o.Currency) == "" {
		t.Errorf("6.2.1 order lacks a field the operator reads: %v", o)
	}
	if w := rec.last(t); !strings.Contains(w.query, "create_time_begin=2025-03-10T00%3A00%3A00Z") {
		t.Errorf("expected the SDK's escaped query, got %q", w.query)
	}
	// agent_pay_info (AgentPayInfoV2, on 6.2.1's CustomerOrderV2 only):
	// absent on the customer's own order, decoded on a partner's (issue 15).
	if ap := o.AgentPayInfo; ap != nil && ap.IsAgentPay != nil && *ap.IsAgentPay {
		t.Errorf("6.2.1: the customer's own order says a partner pays: %v", ap)
	}
	sim := rec.next.(*simulator.Server)
	if err := sim.SetPayingAgent(orderID, "partner-7"); err != nil {
		t.Fatal(err)
	}
	agentOrders := must(t, "ListCustomerOrders (partner-paid)", func() (*model.ListCustomerOrdersResponse, error) {
		return c.ListCustomerOrders(&model.ListCustomerOrdersRequest{OrderId: ptr(orderID)})
	})
	if agentOrders.OrderInfos == nil || len(*agentOrders.OrderInfos) != 1 {
		t.Fatalf("6.2.1 partner-paid: %v", agentOrders)
	}
	if ap := (*agentOrders.OrderInfos)[0].AgentPayInfo; ap == nil || str(ap.PayingAgentId) != "partner-7" || ap.IsAgentPay == nil || !*ap.IsAgentPay {
		t.Errorf("6.2.1 partner-paid order: agent_pay_info %v, want partner-7 paying", ap)
	}
	if err := sim.SetPayingAgent(orderID, ""); err != nil {
		t.Fatal(err)
	}

	// GetOrder: 6.2.2 (ShowCustomerOrderDetails), with X-Language.
	detail := must(t, "ShowCustomerOrderDetails", func() (*model.ShowCustomerOrderDetailsResponse, error) {
		return c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: orderID, XLanguage: ptr("en_US"),
			Limit: ptr(int32(100)), Offset: ptr(int32(0))})
	})
	if detail.OrderInfo == nil || str(detail.OrderInfo.OrderId) != orderID || str(detail.OrderInfo.PendingPaymentEndTime) == "" ||
		detail.OrderLineItems == nil || len(*detail.OrderLineItems) == 0 {
		t.Fatalf("6.2.2: %v", detail)
	}
	for _, l := range *detail.OrderLineItems {
		if str(l.OrderLineItemId) == "" || l.AmountAfterDiscount == nil || l.OfficialAmount == nil {
			t.Errorf("6.2.2 line lacks a field the operator reads: %v", l)
		}
	}
	if w := rec.last(t); w.header.Get("X-Language") != "en_US" {
		t.Errorf("X-Language not received: %v", w.header)
	}

	// ListOrderDiscounts: 6.2.3.
	discounts := must(t, "ListOrderDiscounts", func() (*model.ListOrderDiscountsResponse, error) {
		return c.ListOrderDiscounts(&model.ListOrderDiscountsRequest{OrderId: orderID})
	})
	// ecs-1 is seeded with a 0.9 ratio: one discount, valued by ratio.
	if discounts.Discounts == nil || len(*discounts.Discounts) != 1 {
		t.Fatalf("6.2.3: %v", discounts)
	}
	if d := (*discounts.Discounts)[0]; d.DiscountId == "" || len(d.Orders) != 1 || d.Orders[0].OrderId != orderID ||
		len(d.Orders[0].OrderLineItems) == 0 || len(d.Orders[0].OrderLineItems[0].OrderLineItemIds) == 0 ||
		d.Orders[0].OrderLineItems[0].DiscountRatio == nil {
		t.Errorf("6.2.3 discount lacks a field the operator reads: %v", d)
	}

	// PayOrder: 6.2.4 (PayOrders) with that discount, as the operator pays; 204.
	d := (*discounts.Discounts)[0]
	must(t, "PayOrders", func() (*model.PayOrdersResponse, error) {
		return c.PayOrders(&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: orderID, UseCoupon: "NO",
			UseDiscount: "YES", DiscountInfos: &[]model.DiscountSimpleInfoV3{{Id: d.DiscountId, Type: d.DiscountType}}}})
	})

	// CancelOrder: 6.2.5 (CancelCustomerOrder) on a second pending order.
	second := must(t, "RenewalResources (second)", func() (*model.RenewalResourcesResponse, error) {
		return c.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
			ResourceIds: []string{"ecs-2"}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(0))}})
	})
	must(t, "CancelCustomerOrder", func() (*model.CancelCustomerOrderResponse, error) {
		return c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: (*second.OrderIds)[0]}})
	})

	// EnableAutoRenew and DisableAutoRenew: 6.3.4 and 6.3.5, 204.
	must(t, "AutoRenewalResources", func() (*model.AutoRenewalResourcesResponse, error) {
		return c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: "ecs-1"})
	})
	// With the optional body the operator sends for RenewalPolicy
	// spec.autoRenew (times, period unit); on a resource already on it
	// changes the settings.
	must(t, "AutoRenewalResources (settings)", func() (*model.AutoRenewalResourcesResponse, error) {
		year := model.GetAutoRenewalResourcesReqPeriodTypeEnum().YEAR
		return c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: "ecs-1",
			Body: &model.AutoRenewalResourcesReq{AutoRenewTimes: ptr(int32(3)), PeriodType: &year}})
	})
	must(t, "CancelAutoRenewalResources", func() (*model.CancelAutoRenewalResourcesResponse, error) {
		return c.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: "ecs-1"})
	})

	// SetToOnDemand: 6.3.6 (UpdatePeriodToOnDemand), set up then cancelled.
	for _, op := range []string{"SET_UP", "CANCEL"} {
		must(t, "UpdatePeriodToOnDemand "+op, func() (*model.UpdatePeriodToOnDemandResponse, error) {
			return c.UpdatePeriodToOnDemand(&model.UpdatePeriodToOnDemandRequest{Body: &model.PeriodToOnDemandReq{
				Operation: op, ResourceIds: []string{"ecs-2"}}})
		})
	}

	// Balances: 5.1 (ShowCustomerAccountBalances).
	bal := must(t, "ShowCustomerAccountBalances", func() (*model.ShowCustomerAccountBalancesResponse, error) {
		return c.ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
	})
	if bal.AccountBalances == nil || len(*bal.AccountBalances) == 0 || (*bal.AccountBalances)[0].Amount == nil ||
		(*bal.AccountBalances)[0].AccountType != 1 || bal.DebtAmount == nil {
		t.Errorf("5.1: %v", bal)
	}

	// Unsubscribe: 6.3.3 (CancelResourcesSubscription), then ListRefunds:
	// 6.2.6 (ShowRefundOrderDetails) of its order.
	unsub := must(t, "CancelResourcesSubscription", func() (*model.CancelResourcesSubscriptionResponse, error) {
		return c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: []string{"ecs-2"}, UnsubscribeType: 1}})
	})
	if unsub.OrderIds == nil || len(*unsub.OrderIds) != 1 {
		t.Fatalf("6.3.3: %v", unsub)
	}
	refunds := must(t, "ShowRefundOrderDetails", func() (*model.ShowRefundOrderDetailsResponse, error) {
		return c.ShowRefundOrderDetails(&model.ShowRefundOrderDetailsRequest{OrderId: (*unsub.OrderIds)[0]})
	})
	if refunds.RefundInfos == nil || len(*refunds.RefundInfos) == 0 || (*refunds.RefundInfos)[0].Amount == nil {
		t.Errorf("6.2.6: %v", refunds)
	}

	// SummaryBills: v2 monthly sum (ShowCustomerMonthlySum).
	sum := must(t, "ShowCustomerMonthlySum", func() (*model.ShowCustomerMonthlySumResponse, error) {
		return c.ShowCustomerMonthlySum(&model.ShowCustomerMonthlySumRequest{BillCycle: "2025-02", Limit: ptr(int32(1000)), Offset: ptr(int32(0))})
	})
	if sum.BillSums == nil || len(*sum.BillSums) != 1 || sum.Currency == nil || sum.TotalCount == nil {
		t.Fatalf("monthly sum: %v", sum)
	}
	if b := (*sum.BillSums)[0]; b.ConsumeAmount == nil || b.ChargingMode == nil || *b.ChargingMode != 1 || b.BillType == nil ||
		str(b.ServiceTypeCode) != "hws.service.type.ec2" || b.ConsumeAmount.String() != "90" {
		t.Errorf("monthly sum record: %v", b)
	}

	// CostData: 8.1 (ListCosts), with X-Language.
	costs := must(t, "ListCosts", func() (*model.ListCostsResponse, error) {
		return c.ListCosts(&model.ListCostsRequest{XLanguage: ptr("en_US"), Body: &model.ListCostsReq{
			TimeCondition: &model.TimeCondition{TimeMeasureId: 1, BeginTime: "2025-02-01", EndTime: "2025-02-28"},
			Groupby:       []model.GroupBy{{Type: "dimension", Key: "CHARGING_MODE"}},
			CostType:      "ORIGINAL_COST", AmountType: "PAYMENT_AMOUNT", Limit: ptr(int32(1000)), Offset: ptr(int32(0))}})
	})
	if costs.CostData == nil || len(*costs.CostData) != 1 || str((*costs.CostData)[0].AmountByCosts) == "" ||
		(*costs.CostData)[0].Dimensions == nil || str(costs.Currency) == "" {
		t.Errorf("8.1: %v", costs)
	}

	// The SDK signs only the headers it set itself: no host.
	for _, w := range rec.reqs {
		authz := w.header.Get("Authorization")
		_, signed, _ := strings.Cut(authz, "SignedHeaders=")
		signed, _, _ = strings.Cut(signed, ",")
		t.Logf("%s %s?%s signed=%s", w.method, w.path, w.query, signed)
		if !strings.HasPrefix(authz, "SDK-HMAC-SHA256 ") || strings.Contains(authz, "host") {
			t.Errorf("%s %s: unexpected Authorization %q", w.method, w.path, authz)
		}
	}
}

// TestSDKSubscriptionsSpellingIsUnknown: the simulator answers the
// "subscriptions" spelling of 6.3.1 as the gateway answers an unknown path,
// and the SDK reports that as an error, not as an empty list.
func TestSDKSubscriptionsSpellingIsUnknown(t *testing.T) {
	_, rec := newSDK(t)
	r := httptest.NewRequest(http.MethodPost, "/v2/orders/subscriptions/resources/query", strings.NewReader(`{}`))
	w := httptest.NewRecorder()
	rec.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "APIGW.0101") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
}

// TestSDKErrorBodies: the simulator's error bodies decode into the SDK's
// ServiceResponseError with their code and request id: a CBC business
// error (6.3.2, unknown resource) and a gateway error (bad signature).
func TestSDKErrorBodies(t *testing.T) {
	c, _ := newSDK(t)
	_, err := c.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
		ResourceIds: []string{"no-such-resource"}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(1))}})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || se.ErrorCode != "CBC.99003016" ||
		se.ErrorMessage == "" || se.RequestId == "" {
		t.Errorf("CBC error: %#v", err)
	}
	one := decimal.NewFromInt(1)
	_, err = c.ListOnDemandResourceRatings(&model.ListOnDemandResourceRatingsRequest{Body: &model.RateOnDemandReq{
		ProjectId: "proj-1", ProductInfos: []model.DemandProductInfo{{Id: "1", CloudServiceType: "hws.service.type.ec2",
			ResourceType: "hws.resource.type.vm", ResourceSpec: "no.such.flavor.linux", Region: "ap-southeast-1",
			UsageFactor: "Duration", UsageValue: &one, UsageMeasureId: 4, SubscriptionNum: 1}}}})
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || se.ErrorCode != "CBC.99006006" || se.RequestId == "" {
		t.Errorf("4.2.1 unknown product: %#v", err)
	}
	cred, err := global.NewCredentialsBuilder().WithAk(ak).WithSk("wrong").WithDomainId(domainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c.HcClient.WithCredential(cred)
	_, err = c.ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized || se.ErrorCode != "APIGW.0301" || se.RequestId == "" {
		t.Errorf("gateway error: %#v", err)
	}
}
