package bss

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantMoney(t *testing.T, what string, got Money, amount, currency string) {
	t.Helper()
	if !got.Amount.Equal(dec(t, amount)) || got.Currency != currency {
		t.Errorf("%s = %s, want %s %s", what, got, amount, currency)
	}
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Errorf("request body %s, want none", got)
		}
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want body: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body\n%s\nwant\n%s", got, want)
	}
}

func TestOperations(t *testing.T) {
	begin := time.Date(2020, 5, 6, 8, 5, 1, 0, time.UTC)
	tests := []struct {
		name      string
		status    int
		fixture   string
		invoke    func(context.Context, Client) (any, error)
		method    string
		path      string
		query     string
		body      string
		language  bool
		check     func(*testing.T, any)
		wantError bool
	}{
		{
			name: "QueryResources", status: 200, fixture: "resources_query.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.QueryResources(ctx, QueryResourcesRequest{ResourceIDs: []string{"fb8bb160-a8eb-46a7-9a01-82479c4342a8"}})
			},
			method: "POST", path: "/v2/orders/suscriptions/resources/query",
			body: `{"resource_ids":["fb8bb160-a8eb-46a7-9a01-82479c4342a8"],"only_main_resource":0,"offset":0,"limit":500}`,
			check: func(t *testing.T, v any) {
				rs := v.([]Resource)
				if len(rs) != 1 {
					t.Fatalf("%d resources", len(rs))
				}
				r := rs[0]
				if r.ID != "fb8bb160-a8eb-46a7-9a01-82479c4342a8" || r.InstanceID != "01154-674800049-0" || !r.IsMain ||
					r.Status != ResourceClosed || r.ExpirePolicy != ExpirePolicyGracePeriod || r.AutoRenew() ||
					r.SpecSizeMeasureID != 15 || !r.SpecSize.Equal(dec(t, "5")) || r.SpecDesc != " shared bandwidth | 5.0 Mbps" ||
					r.EnterpriseProject != (EnterpriseProject{ID: "0", Name: "default"}) || r.Region != "ap-southeast-1" ||
					r.ParentResourceID != r.ID || r.SpecCode != "19_share" {
					t.Errorf("resource %+v", r)
				}
				if !r.ExpireTime.Equal(time.Date(2024, 11, 22, 9, 1, 54, 0, time.UTC)) || !r.EffectiveTime.Equal(time.Date(2024, 10, 10, 7, 45, 56, 0, time.UTC)) {
					t.Errorf("times %v %v", r.EffectiveTime, r.ExpireTime)
				}
			},
		},
		{
			name: "ListResources", status: 200, fixture: "resources_query.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.ListResources(ctx, ListResourcesRequest{OrderID: "CS1905251035OA", OnlyMainResource: true,
					Statuses: []ResourceStatus{ResourceProvisioned}, Offset: 0, Limit: 10, ServiceTypeCode: "hws.service.type.obs",
					ExpireTimeBegin: time.Date(2021, 9, 1, 8, 5, 1, 0, time.UTC), ExpireTimeEnd: time.Date(2021, 9, 3, 8, 5, 1, 0, time.UTC)})
			},
			method: "POST", path: "/v2/orders/suscriptions/resources/query",
			body: `{"order_id":"CS1905251035OA","only_main_resource":1,"status_list":[2],"offset":0,"limit":10,
				"expire_time_begin":"2021-09-01T08:05:01Z","expire_time_end":"2021-09-03T08:05:01Z","service_type_code":"hws.service.type.obs"}`,
			check: func(t *testing.T, v any) {
				p := v.(*ResourcePage)
				if p.TotalCount != 1 || len(p.Resources) != 1 {
					t.Errorf("page %+v", p)
				}
			},
		},
		{
			name: "Renew", status: 200, fixture: "renew.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.Renew(ctx, RenewRequest{ResourceIDs: []string{"96308d5efd7841b9a4dac673d84d0e14"}, PeriodType: PeriodMonth, PeriodNum: 1})
			},
			method: "POST", path: "/v2/orders/subscriptions/resources/renew",
			body: `{"resource_ids":["96308d5efd7841b9a4dac673d84d0e14"],"period_type":2,"period_num":1,"is_auto_pay":0}`,
			check: func(t *testing.T, v any) {
				r := v.(*RenewResult)
				if !reflect.DeepEqual(r.OrderIDs, []string{"CS19040119281JMYC"}) || len(r.Failures) != 0 {
					t.Errorf("result %+v", r)
				}
			},
		},
		{
			name: "Unsubscribe", status: 200, fixture: "unsubscribe.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.Unsubscribe(ctx, UnsubscribeRequest{ResourceIDs: []string{"21e09f37c5c9420c8746ad5c71fb3aab"},
					Type: UnsubscribeAll, ReasonType: 5, Reason: "test"})
			},
			method: "POST", path: "/v2/orders/subscriptions/resources/unsubscribe",
			body: `{"resource_ids":["21e09f37c5c9420c8746ad5c71fb3aab"],"unsubscribe_type":1,"unsubscribe_reason_type":5,"unsubscribe_reason":"test"}`,
			check: func(t *testing.T, v any) {
				if r := v.(*UnsubscribeResult); !reflect.DeepEqual(r.OrderIDs, []string{"CS19040119281JMYC"}) {
					t.Errorf("result %+v", r)
				}
			},
		},
		{
			name: "EnableAutoRenew", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) {
				return nil, c.EnableAutoRenew(ctx, "eb1cac79-773b-414b-8915-6c3eed8ddf24")
			},
			method: "POST", path: "/v2/orders/subscriptions/resources/autorenew/eb1cac79-773b-414b-8915-6c3eed8ddf24",
		},
		{
			name: "EnableAutoRenew with settings", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) {
				times, year := 0, PeriodYear
				return nil, c.EnableAutoRenew(ctx, "eb1cac79-773b-414b-8915-6c3eed8ddf24", AutoRenewSettings{Times: &times, PeriodType: &year})
			},
			method: "POST", path: "/v2/orders/subscriptions/resources/autorenew/eb1cac79-773b-414b-8915-6c3eed8ddf24",
			body: `{"auto_renew_times":0,"period_type":"YEAR"}`,
		},
		{
			name: "DisableAutoRenew", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) {
				return nil, c.DisableAutoRenew(ctx, "eb1cac79-773b-414b-8915-6c3eed8ddf24")
			},
			method: "DELETE", path: "/v2/orders/subscriptions/resources/autorenew/eb1cac79-773b-414b-8915-6c3eed8ddf24",
		},
		{
			name: "SetToOnDemand", status: 200, fixture: "to_on_demand.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.SetToOnDemand(ctx, ToOnDemandRequest{Operation: ToOnDemandSetUp, ResourceIDs: []string{"0c3248018ed54b1e8e3ecbab1b0989ce"}})
			},
			method: "POST", path: "/v2/orders/subscriptions/resources/to-on-demand",
			body: `{"operation":"SET_UP","resource_ids":["0c3248018ed54b1e8e3ecbab1b0989ce"]}`,
			check: func(t *testing.T, v any) {
				if r := v.(*ToOnDemandResult); len(r.Failures) != 0 {
					t.Errorf("failures %+v", r.Failures)
				}
			},
		},
		{
			name: "ListOrders", status: 200, fixture: "orders_list.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.ListOrders(ctx, ListOrdersRequest{OrderID: "CS1905251035OA1AF", ServiceTypeCode: "hws.service.type.obs",
					Status: OrderCompleted, Type: OrderNewPurchase, CreateTimeBegin: begin, CreateTimeEnd: begin.Add(24 * time.Hour),
					PaymentTimeBegin: begin, PaymentTimeEnd: begin.Add(24 * time.Hour), Limit: 10})
			},
			method: "GET", path: "/v2/orders/customer-orders",
			query: "create_time_begin=2020-05-06T08%3A05%3A01Z&create_time_end=2020-05-07T08%3A05%3A01Z&limit=10&offset=0" +
				"&order_by=-createTime&order_id=CS1905251035OA1AF&order_type=1&payment_time_begin=2020-05-06T08%3A05%3A01Z" +
				"&payment_time_end=2020-05-07T08%3A05%3A01Z&service_type_code=hws.service.type.obs&status=5",
			check: func(t *testing.T, v any) {
				p := v.(*OrderPage)
				if p.TotalCount != 1 || len(p.Orders) != 1 {
					t.Fatalf("page %+v", p)
				}
				o := p.Orders[0]
				wantMoney(t, "official", o.OfficialAmount, "349.5", "USD")
				wantMoney(t, "after discount", o.AmountAfterDiscount, "274.6", "USD")
				if o.Status != OrderCompleted || o.Type != OrderNewPurchase || len(o.Amounts.Discounts) != 2 ||
					o.Amounts.Discounts[0].Type != "700" || o.Amounts.Commission != nil || o.Amounts.Coupon == nil ||
					len(o.EnterpriseProjects) != 1 || o.ContractID != "" {
					t.Errorf("order %+v", o)
				}
				wantMoney(t, "discount", o.Amounts.Discounts[0].Amount, "69.9", "USD")
				wantMoney(t, "coupon", *o.Amounts.Coupon, "5", "USD")
				// 349.5 - 69.9 - 5.0 = 274.6 exactly, which float64 would not give.
				sum := o.OfficialAmount.Amount.Sub(o.Amounts.Discounts[0].Amount.Amount).Sub(o.Amounts.Coupon.Amount)
				if !sum.Equal(o.AmountAfterDiscount.Amount) {
					t.Errorf("amounts do not add up exactly: %s", sum)
				}
			},
		},
		{
			name: "GetOrder", status: 200, fixture: "order_details.json",
			invoke: func(ctx context.Context, c Client) (any, error) { return c.GetOrder(ctx, "CS18122203217MRPB") },
			method: "GET", path: "/v2/orders/customer-orders/details/CS18122203217MRPB", query: "limit=100&offset=0", language: true,
			check: func(t *testing.T, v any) {
				d := v.(*OrderDetail)
				o := d.Order
				wantMoney(t, "refund", o.AmountAfterDiscount, "-277.92", "USD")
				if o.Type != OrderUnsubscription || o.UserName != "h*****55" || !o.PaymentTime.IsZero() ||
					!o.PendingPaymentEndTime.Equal(time.Date(2024, 11, 14, 15, 59, 59, 0, time.UTC)) || o.Amounts.Commission == nil {
					t.Errorf("order %+v", o)
				}
				wantMoney(t, "commission", *o.Amounts.Commission, "30.88", "USD")
				if len(d.LineItems) != 2 {
					t.Fatalf("%d line items", len(d.LineItems))
				}
				l0, l1 := d.LineItems[0], d.LineItems[1]
				if l0.PeriodNum != nil || l0.PeriodType != PeriodYear || l0.BaseProduct != nil || l0.ID != "CS18122203217MRPB-000001" {
					t.Errorf("line 0 %+v", l0)
				}
				if l1.BaseProduct == nil || l1.BaseProduct.ProductOwnerService != "hws.service.type.ec2" || l1.OrderID != "S1812*****RBP" {
					t.Errorf("line 1 %+v", l1)
				}
				total := l0.AmountAfterDiscount.Amount.Add(l1.AmountAfterDiscount.Amount)
				if !total.Equal(o.AmountAfterDiscount.Amount) {
					t.Errorf("line totals %s != order %s", total, o.AmountAfterDiscount)
				}
			},
		},
		{
			name: "ListOrderDiscounts", status: 200, fixture: "order_discounts.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.ListOrderDiscounts(ctx, "CS2011091132EMKL9")
			},
			method: "GET", path: "/v2/orders/customer-orders/order-discounts", query: "order_id=CS2011091132EMKL9",
			check: func(t *testing.T, v any) {
				ds := v.([]Discount)
				if len(ds) != 1 || ds[0].ID != "PDP2011260815047721TYT48G0BA02EI" || ds[0].Value != "0.9" ||
					ds[0].Type != DiscountPromotion || len(ds[0].Orders) != 1 || len(ds[0].Orders[0].LineItems) != 2 {
					t.Fatalf("discounts %+v", ds)
				}
				li := ds[0].Orders[0].LineItems[0]
				if li.Amount != nil || li.Ratio == nil || !li.Ratio.Equal(dec(t, "0.9")) || li.LineItemIDs[0] != "CS2011091132EMKL9-000002" {
					t.Errorf("line %+v", li)
				}
			},
		},
		{
			name: "PayOrder", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) {
				return nil, c.PayOrder(ctx, PayOrderRequest{OrderID: "CS20052715001E4CR",
					Coupons:  []CouponRef{{ID: "CP200527025610NGSC", Type: 301}},
					Discount: &DiscountRef{ID: "PDP2011260815047721TYT48G0BA02EI", Type: DiscountCommercial}})
			},
			method: "POST", path: "/v3/orders/customer-orders/pay",
			body: `{"order_id":"CS20052715001E4CR","use_coupon":"YES","use_discount":"YES",
				"coupon_infos":[{"id":"CP200527025610NGSC","type":301}],"discount_infos":[{"id":"PDP2011260815047721TYT48G0BA02EI","type":2}]}`,
		},
		{
			name: "PayOrder without coupon or discount", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) {
				return nil, c.PayOrder(ctx, PayOrderRequest{OrderID: "CS20052715001E4CR"})
			},
			method: "POST", path: "/v3/orders/customer-orders/pay",
			body: `{"order_id":"CS20052715001E4CR","use_coupon":"NO","use_discount":"NO"}`,
		},
		{
			name: "CancelOrder", status: 204,
			invoke: func(ctx context.Context, c Client) (any, error) { return nil, c.CancelOrder(ctx, "CS170926155954NO7") },
			method: "PUT", path: "/v2/orders/customer-orders/cancel", body: `{"order_id":"CS170926155954NO7"}`,
		},
		{
			name: "ListRefunds", status: 200, fixture: "refund_orders.json",
			invoke: func(ctx context.Context, c Client) (any, error) { return c.ListRefunds(ctx, "CS1904190917GIBHC") },
			method: "GET", path: "/v2/orders/customer-orders/refund-orders", query: "order_id=CS1904190917GIBHC",
			check: func(t *testing.T, v any) {
				rs := v.([]Refund)
				if len(rs) != 1 || rs[0].BaseOrderID != "CS2006*****1F8CI" || rs[0].ResourceTypeName != "EVS" {
					t.Fatalf("refunds %+v", rs)
				}
				wantMoney(t, "refund", rs[0].Amount, "-3", "USD")
			},
		},
		{
			name: "ListRefunds table spelling refund_info", status: 200, fixture: "refund_orders_table_spelling.json",
			invoke: func(ctx context.Context, c Client) (any, error) { return c.ListRefunds(ctx, "CS1904190917GIBHC") },
			method: "GET", path: "/v2/orders/customer-orders/refund-orders", query: "order_id=CS1904190917GIBHC",
			check: func(t *testing.T, v any) {
				rs := v.([]Refund)
				if len(rs) != 1 {
					t.Fatalf("refunds %+v", rs)
				}
				wantMoney(t, "refund", rs[0].Amount, "-1200", "USD")
			},
		},
		{
			name: "RenewalPrice", status: 200, fixture: "renew_rate.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.RenewalPrice(ctx, RenewalPriceRequest{ResourceIDs: []string{"230221_169ee*****9d5b8af6a38f099abea"}, PeriodType: PeriodMonth, PeriodNum: 1})
			},
			method: "POST", path: "/v2/bills/ratings/period-resources/renew-rate",
			body: `{"resource_ids":["230221_169ee*****9d5b8af6a38f099abea"],"period_type":2,"period_num":1,"include_relative_resources":false}`,
			check: func(t *testing.T, v any) {
				q := v.(*RenewalQuote)
				if q.Currency != "CNY" || len(q.Items) != 1 || q.Items[0].ResourceID != "230221_169ee*****9d5b8af6a38f099abea" || q.OfficialAmount == nil {
					t.Fatalf("quote %+v", q)
				}
				wantMoney(t, "amount", q.Items[0].Amount, "800", "CNY")
				wantMoney(t, "official", *q.OfficialAmount, "800", "CNY")
				wantMoney(t, "total", q.Total(), "800", "CNY")
			},
		},
		{
			// The reference's 4.2.1 example (DIGEST §4.13), sent with the
			// SDK's size_measure_id spelling.
			name: "OnDemandPrice", status: 200, fixture: "on_demand_rate.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				two := decimal.NewFromInt(2)
				return c.OnDemandPrice(ctx, OnDemandPriceRequest{ProjectID: "06488a*****832f55c016b0e337d7", Products: []OnDemandProduct{
					{ID: "1", ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", ResourceSpec: "c3.3xlarge.2.linux",
						Region: "ap-southeast-1", UsageFactor: "Duration", UsageValue: two, UsageMeasureID: 4, SubscriptionNum: 1},
					{ID: "2", ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume", ResourceSpec: "SSD",
						Region: "ap-southeast-1", UsageFactor: "Duration", UsageValue: two, UsageMeasureID: 4, SubscriptionNum: 1,
						ResourceSize: 10, SizeMeasureID: 17},
					{ID: "3", ServiceTypeCode: "hws.service.type.vpc", ResourceTypeCode: "hws.resource.type.ip", ResourceSpec: "5_bgp",
						Region: "ap-southeast-1", UsageFactor: "Duration", UsageValue: decimal.NewFromInt(3), UsageMeasureID: 4, SubscriptionNum: 1},
					{ID: "4", ServiceTypeCode: "hws.service.type.vpc", ResourceTypeCode: "hws.resource.type.bandwidth", ResourceSpec: "12_sbgp",
						Region: "ap-southeast-1", AvailableZone: "cn-north-1a", UsageFactor: "upflow", UsageValue: decimal.NewFromInt(4),
						UsageMeasureID: 10, SubscriptionNum: 1, ResourceSize: 1, SizeMeasureID: 15},
				}})
			},
			method: "POST", path: "/v2/bills/ratings/on-demand-resources",
			body: `{"project_id":"06488a*****832f55c016b0e337d7","product_infos":[
				{"id":"1","cloud_service_type":"hws.service.type.ec2","resource_type":"hws.resource.type.vm","resource_spec":"c3.3xlarge.2.linux","region":"ap-southeast-1","usage_factor":"Duration","usage_value":2,"usage_measure_id":4,"subscription_num":1},
				{"id":"2","cloud_service_type":"hws.service.type.ebs","resource_type":"hws.resource.type.volume","resource_spec":"SSD","region":"ap-southeast-1","usage_factor":"Duration","usage_value":2,"usage_measure_id":4,"subscription_num":1,"resource_size":10,"size_measure_id":17},
				{"id":"3","cloud_service_type":"hws.service.type.vpc","resource_type":"hws.resource.type.ip","resource_spec":"5_bgp","region":"ap-southeast-1","usage_factor":"Duration","usage_value":3,"usage_measure_id":4,"subscription_num":1},
				{"id":"4","cloud_service_type":"hws.service.type.vpc","resource_type":"hws.resource.type.bandwidth","resource_spec":"12_sbgp","region":"ap-southeast-1","available_zone":"cn-north-1a","usage_factor":"upflow","usage_value":4,"usage_measure_id":10,"subscription_num":1,"resource_size":1,"size_measure_id":15}]}`,
			check: func(t *testing.T, v any) {
				q := v.(*OnDemandQuote)
				if len(q.Items) != 4 || q.OfficialAmount == nil || q.DiscountAmount == nil {
					t.Fatalf("quote %+v", q)
				}
				wantMoney(t, "amount", q.Amount, "8.128", "USD")
				wantMoney(t, "official", *q.OfficialAmount, "8.128", "USD")
				wantMoney(t, "discount", *q.DiscountAmount, "0", "USD")
				it, ok := q.Item("2")
				if !ok || it.ProductID != "00301-290407774-0--1" {
					t.Fatalf("item 2 %+v", it)
				}
				wantMoney(t, "item 2", it.Amount, "0.028", "USD")
			},
		},
		{
			name: "Balances", status: 200, fixture: "balances.json",
			invoke: func(ctx context.Context, c Client) (any, error) { return c.Balances(ctx) },
			method: "GET", path: "/v2/accounts/customer-accounts/balances",
			check: func(t *testing.T, v any) {
				b := v.(*Balances)
				if len(b.Accounts) != 2 || b.Accounts[1].Type != AccountBonus || b.Accounts[0].ID != "AT001017264D6E9FF7" {
					t.Fatalf("balances %+v", b)
				}
				wantMoney(t, "debt", b.Debt, "120", "USD")
				cash, ok := b.Cash()
				if !ok {
					t.Fatal("no cash account")
				}
				wantMoney(t, "cash", cash, "0", "USD")
			},
		},
		{
			name: "SummaryBills", status: 200, fixture: "monthly_sum.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.SummaryBills(ctx, SummaryBillsRequest{Cycle: "2019-12", ServiceTypeCode: "hws.service.type.ebs",
					EnterpriseProjectID: "0", Offset: 10, Limit: 1000})
			},
			// v2, as the SDK's ShowCustomerMonthlySum calls it: no domain id
			// in the path, bill_cycle, amounts in currency units.
			method: "GET", path: "/v2/bills/customer-bills/monthly-sum",
			query: "bill_cycle=2019-12&enterprise_project_id=0&limit=1000&offset=10&service_type_code=hws.service.type.ebs",
			check: func(t *testing.T, v any) {
				s := v.(*SummaryBills)
				wantMoney(t, "consume", s.Consume, "82.12", "USD")
				wantMoney(t, "debt", s.Debt, "0.56", "USD")
				wantMoney(t, "cash", s.Cash, "81.56", "USD")
				if s.TotalCount != 2 || len(s.Bills) != 2 {
					t.Fatalf("bills %+v", s)
				}
				b := s.Bills[0]
				if b.Cycle != "2019-12" || b.ChargingMode != BillChargingYearlyMonthly || b.BillType != BillTypeConsumption ||
					b.ServiceTypeCode != "hws.service.type.ebs" || b.ResourceTypeCode != "hws.resource.type.volume" {
					t.Errorf("bill %+v", b)
				}
				wantMoney(t, "bill consume", b.Consume, "102.12", "USD")
				wantMoney(t, "bill official", b.Official, "113.47", "USD")
				wantMoney(t, "bill discount", b.OfficialDiscount, "11.35", "USD")
				if s.Bills[1].BillType != BillTypeRefund {
					t.Errorf("refund %+v", s.Bills[1])
				}
				wantMoney(t, "refund", s.Bills[1].Consume, "-20", "USD")
			},
		},
		{
			name: "CostData", status: 200, fixture: "cost_data.json",
			invoke: func(ctx context.Context, c Client) (any, error) {
				return c.CostData(ctx, CostDataRequest{TimeMeasure: TimeMeasureDay, Begin: "2021-07-14", End: "2021-07-15",
					GroupBy: []CostGroupBy{{Type: GroupByTypeDimension, Key: "CLOUD_SERVICE_TYPE"}}, CostType: CostTypeOriginal,
					AmountType: AmountTypePayment, Filters: []CostFilter{{Key: "REGION_CODE", Values: []string{"cn-north-1"}}}, Limit: 10})
			},
			method: "POST", path: "/v4/costs/cost-analysed-bills/query", language: true,
			body: `{"amount_type":"PAYMENT_AMOUNT","offset":0,"cost_type":"ORIGINAL_COST","limit":10,
				"groupby":[{"type":"dimension","key":"CLOUD_SERVICE_TYPE"}],
				"filters":[{"filter_factor":{"value":["cn-north-1"],"key":"REGION_CODE"},"operator":0}],
				"time_condition":{"end_time":"2021-07-15","begin_time":"2021-07-14","time_measure_id":1}}`,
			check: func(t *testing.T, v any) {
				p := v.(*CostPage)
				if p.TotalCount != 1 || len(p.Records) != 1 || len(p.Records[0].Costs) != 1 || p.Records[0].Dimensions[0].Value != "Group:noTagKey" {
					t.Fatalf("page %+v", p)
				}
				wantMoney(t, "amount", p.Records[0].Amount, "13225.00", "USD")
				if c := p.Records[0].Costs[0]; c.Period != "2021-08" || c.TimeMeasure != TimeMeasureMonth {
					t.Errorf("cost %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.fixture != "" {
				body = fixture(t, tt.fixture)
			}
			ts := newTestServer(t, respond(tt.status, body))
			c, _ := newTestClient(t, ts)
			got, err := tt.invoke(context.Background(), c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			reqs := ts.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.RawPath != tt.path || r.RawQuery != tt.query {
				t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.RawPath, r.RawQuery, tt.method, tt.path, tt.query)
			}
			jsonEqual(t, r.Body, tt.body)
			if lang := r.Header.Get("X-Language"); (lang == "en_US") != tt.language {
				t.Errorf("X-Language %q, want set=%v", lang, tt.language)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestWireSignature verifies, from what the server received, that the
// Authorization header matches an independent signature of the wire request.
func TestWireSignature(t *testing.T) {
	ts := newTestServer(t, respond(200, fixture(t, "orders_list.json")))
	c, clk := newTestClient(t, ts, func(cfg *Config) {
		cfg.Credentials.SecurityToken = "session-token"
	})
	if _, err := c.ListOrders(context.Background(), ListOrdersRequest{OrderID: "CS1", ServiceTypeCode: "a b"}); err != nil {
		t.Fatal(err)
	}
	r := ts.requests()[0]
	date := clk.Now().UTC().Format("20060102T150405Z")
	if r.Header.Get("X-Sdk-Date") != date || r.Header.Get("X-Domain-Id") != "domain123" || r.Header.Get("X-Security-Token") != "session-token" {
		t.Fatalf("headers %v", r.Header)
	}
	host := ts.Listener.Addr().String()
	canonical := "GET\n/v2/orders/customer-orders/\n" + r.RawQuery + "\n" +
		"host:" + host + "\nx-domain-id:domain123\nx-sdk-date:" + date + "\nx-security-token:session-token\n\n" +
		"host;x-domain-id;x-sdk-date;x-security-token\n" + hexSHA256(nil)
	if !bytes.Contains([]byte(r.RawQuery), []byte("service_type_code=a%20b")) {
		t.Errorf("query not escaped as signed: %s", r.RawQuery)
	}
	want := "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-domain-id;x-sdk-date;x-security-token, Signature=" +
		refSign(canonical, date, "SKTEST")
	if got := r.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization\n%s\nwant\n%s", got, want)
	}
	if r.Header.Get("X-Auth-Token") != "" {
		t.Error("AK/SK request carries X-Auth-Token")
	}
}

func TestTokenAuth(t *testing.T) {
	ts := newTestServer(t, respond(200, fixture(t, "balances.json")))
	c, _ := newTestClient(t, ts, func(cfg *Config) { cfg.Credentials = Credentials{Token: "MIIPAgYJ-token"} })
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := ts.requests()[0].Header
	if h.Get("X-Auth-Token") != "MIIPAgYJ-token" || h.Get("Authorization") != "" || h.Get("X-Sdk-Date") != "" {
		t.Errorf("headers %v", h)
	}
}

func TestPagination(t *testing.T) {
	t.Run("GetOrder follows line item pages", func(t *testing.T) {
		ts := newTestServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
			items := []string{`{"order_line_item_id":"L1","official_amount":1.5,"amount_after_discount":1.5}`}
			if n == 1 {
				items = []string{`{"order_line_item_id":"L2","official_amount":2,"amount_after_discount":2}`}
			}
			body := `{"total_count":2,"order_info":{"order_id":"O1","measure_id":1,"currency":"USD","official_amount":3.5,"amount_after_discount":3.5},"order_line_items":[` + items[0] + `]}`
			respond(200, []byte(body))(n, w, r)
		})
		c, _ := newTestClient(t, ts)
		d, err := c.GetOrder(context.Background(), "O1")
		if err != nil {
			t.Fatal(err)
		}
		reqs := ts.requests()
		if len(reqs) != 2 || reqs[1].RawQuery != "limit=100&offset=1" || len(d.LineItems) != 2 || d.LineItems[1].ID != "L2" {
			t.Fatalf("requests %+v, detail %+v", reqs, d)
		}
	})
	t.Run("QueryResources follows pages", func(t *testing.T) {
		ts := newTestServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
			id := []string{"r1", "r2"}[n%2]
			respond(200, []byte(`{"total_count":2,"data":[{"resource_id":"`+id+`","expire_policy":3}]}`))(n, w, r)
		})
		c, _ := newTestClient(t, ts)
		rs, err := c.QueryResources(context.Background(), QueryResourcesRequest{ResourceIDs: []string{"r1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[1].ID != "r2" || !rs[0].AutoRenew() {
			t.Fatalf("resources %+v", rs)
		}
		jsonEqual(t, ts.requests()[1].Body, `{"resource_ids":["r1"],"only_main_resource":0,"offset":1,"limit":500}`)
	})
}

func TestSpecSizeMeasurementSpelling(t *testing.T) {
	body := `{"total_count":1,"data":[{"resource_id":"r1","expire_policy":1,"spec_size":"40","spec_size_measurement_id":17}]}`
	ts := newTestServer(t, respond(200, []byte(body)))
	c, _ := newTestClient(t, ts)
	rs, err := c.QueryResources(context.Background(), QueryResourcesRequest{ResourceIDs: []string{"r1"}})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].SpecSizeMeasureID != 17 || !rs[0].SpecSize.Equal(dec(t, "40")) || rs[0].ExpirePolicy != ExpirePolicyToPayPerUse {
		t.Fatalf("resource %+v", rs[0])
	}
}
