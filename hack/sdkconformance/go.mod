// Module sdkconformance tests the BSS simulator with the official Huawei
// Cloud Go SDK (services/bssintl), the wire reference of issue 15. It is a
// separate module so that the operator's go.mod never depends on the SDK.
module github.com/bss-operator/bss-operator/hack/sdkconformance

go 1.26.0

require (
	github.com/bss-operator/bss-operator v0.0.0
	github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.207
	github.com/shopspring/decimal v1.6.0
	k8s.io/utils v0.0.0-20260707023825-cf1189d6abe3
)

require (
	github.com/fatih/color v1.10.0 // indirect
	github.com/goccy/go-yaml v1.9.8 // indirect
	github.com/json-iterator/go v1.1.13-0.20220915233716-71ac16282d12 // indirect
	github.com/mattn/go-colorable v0.1.8 // indirect
	github.com/mattn/go-isatty v0.0.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.3-0.20250322232337-35a7c28c31ee // indirect
	github.com/tjfoc/gmsm v1.4.1 // indirect
	go.mongodb.org/mongo-driver v1.13.1 // indirect
	go.yaml.in/yaml/v2 v2.4.4 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	gopkg.in/ini.v1 v1.67.0 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)

replace github.com/bss-operator/bss-operator => ../..
