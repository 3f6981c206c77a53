# bss-operator Makefile: kubebuilder's targets, pointed at ./cmd/manager, plus
# verify, envtest, demo and bench. Tools are built into ./bin from the Go
# module proxy at the versions pinned below.

IMG ?= bss-operator:dev
CONTAINER_TOOL ?= docker

# Tool versions (pinned; see ../shared/STYLE.md).
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.2
GOLANGCI_LINT_VERSION ?= v2.15.0

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

# go test flags; `make test TEST_FLAGS=-v` for verbose output.
TEST_FLAGS ?=
# Packages whose tests run in `make test` (everything, including the end-to-end test).
TEST_PKGS ?= ./...

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs, RBAC and webhook manifests.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: envtest
envtest: ## Build (once, cached) kube-apiserver, etcd and kubectl from the Go module proxy; print their directory.
	@hack/envtest/build.sh

.PHONY: test
test: manifests generate fmt vet ## Run all tests (unit, envtest, end-to-end, promtool rule tests) against a local control plane, then the SDK conformance test.
	@assets="$${KUBEBUILDER_ASSETS:-$$(hack/envtest/build.sh)}"; \
	promtool="$${PROMTOOL:-$$(hack/promtool/build.sh)}"; \
	echo "KUBEBUILDER_ASSETS=$$assets PROMTOOL=$$promtool"; \
	KUBEBUILDER_ASSETS="$$assets" PROMTOOL="$$promtool" go test $(TEST_FLAGS) -timeout 30m $(TEST_PKGS)
	@$(MAKE) --no-print-directory sdkconformance

.PHONY: sdkconformance
sdkconformance: ## Call every BSS operation the operator uses on the simulator with the official Huawei Cloud Go SDK (own module).
	cd hack/sdkconformance && go test $(TEST_FLAGS) -timeout 5m ./...

.PHONY: promtool
promtool: ## Build (once, cached) Prometheus's promtool from the Go module proxy; print its path.
	@hack/promtool/build.sh

.PHONY: chaos
chaos: ## Long crash, fault and adversary runs: 200 SIGKILLs during renewal bursts (BSS_CHAOS_TRIALS), soak, failover, rolling updates, people in the console, duplicate Subscriptions.
	@assets="$${KUBEBUILDER_ASSETS:-$$(hack/envtest/build.sh)}"; \
	KUBEBUILDER_ASSETS="$$assets" BSS_CHAOS_TRIALS=$${BSS_CHAOS_TRIALS:-200} go test -count=1 -v -timeout 2h ./test/chaos/

.PHONY: fuzz
fuzz: ## Run every fuzz target for a bounded time (FUZZTIME each).
	@hack/fuzz.sh $${FUZZTIME:-10s}

.PHONY: bench
bench: ## Load figures (issue 7): BSS calls per refresh, 429s, convergence, RSS, CPU, renewal burst.
	@assets="$${KUBEBUILDER_ASSETS:-$$(hack/envtest/build.sh)}"; \
	KUBEBUILDER_ASSETS="$$assets" go test -run '^$$' -bench . -benchmem ./... && \
	KUBEBUILDER_ASSETS="$$assets" go run ./hack/bench $(BENCH_FLAGS)

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and fix what it can.
	$(GOLANGCI_LINT) run --fix ./...

.PHONY: verify
verify: manifests generate ## Check that generated files and go.mod are up to date.
	go mod tidy
	cd hack/envtest && go mod tidy
	cd hack/sdkconformance && go mod tidy
	@if [ -n "$$(git status --porcelain -- go.mod go.sum hack/envtest/go.mod hack/envtest/go.sum hack/sdkconformance/go.mod hack/sdkconformance/go.sum api config/crd config/rbac)" ]; then \
		echo "generated files or go.mod are stale; run make manifests generate and go mod tidy:"; \
		git status --porcelain -- go.mod go.sum hack/envtest/go.mod hack/envtest/go.sum hack/sdkconformance/go.mod hack/sdkconformance/go.sum api config/crd config/rbac; \
		git --no-pager diff -- go.mod go.sum hack/sdkconformance/go.mod api config/crd config/rbac | head -100; \
		exit 1; \
	fi

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager, simulator and kubectl plugin binaries.
	CGO_ENABLED=0 go build -trimpath -o bin/manager ./cmd/manager
	CGO_ENABLED=0 go build -trimpath -o bin/bss-simulator ./cmd/bss-simulator
	CGO_ENABLED=0 go build -trimpath -o bin/kubectl-bss ./cmd/kubectl-bss

.PHONY: run
run: manifests generate fmt vet ## Run the manager from your host against the current kubeconfig.
	go run ./cmd/manager

.PHONY: demo
demo: ## Run the operator end to end: local control plane, BSS simulator, manager and the samples.
	@assets="$${KUBEBUILDER_ASSETS:-$$(hack/envtest/build.sh)}"; \
	KUBEBUILDER_ASSETS="$$assets" go run ./hack/demo

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine).
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the container image.
	$(CONTAINER_TOOL) push $(IMG)

.PHONY: build-installer
build-installer: manifests generate kustomize ## Render the install bundle to dist/install.yaml.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default > dist/install.yaml
	cd config/manager && $(KUSTOMIZE) edit set image controller=bss-operator:dev

.PHONY: build-installer-namespaced
build-installer-namespaced: manifests generate kustomize ## Render the namespace-scoped bundle (config/namespaced) to dist/install-namespaced.yaml.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/namespaced > dist/install-namespaced.yaml
	cd config/manager && $(KUSTOMIZE) edit set image controller=bss-operator:dev

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install CRDs into the cluster in ~/.kube/config.
	$(KUSTOMIZE) build config/crd | kubectl apply -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Uninstall CRDs (custom resources are deleted; nothing is unsubscribed).
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator to the cluster in ~/.kube/config.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply -f -
	cd config/manager && $(KUSTOMIZE) edit set image controller=bss-operator:dev

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the cluster.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: kustomize
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE):
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT):
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool installs a Go package at a version into ./bin under a
# versioned name ($1 target, $2 package, $3 version).
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
mkdir -p $(LOCALBIN) ;\
rm -f "$(1)" || true ;\
GOBIN=$(LOCALBIN) go install $${package} ;\
mv "$(LOCALBIN)/$$(basename "$$(echo "$(2)" | sed "s/\/v[0-9]*$$//")")" $(1) ;\
}
endef
