package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/cloudnative-pg/api/v1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// manifests are one overlay's objects, each decoded strictly into its Go type.
type manifests struct {
	objs    []runtime.Object
	secrets map[string]*corev1.Secret // the overlay's secrets.example.yaml, by name
}

// scheme knows every kind the manifests may hold: core Kubernetes, CloudNativePG's
// Cluster and ScheduledBackup (the operator's own Go types), and the ServiceMonitor.
func scheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, networkingv1.AddToScheme,
		policyv1.AddToScheme, autoscalingv2.AddToScheme, cnpgv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// decodeAll decodes a stream of YAML documents strictly: an unknown or duplicated
// field, or a kind the scheme does not know, fails.
func decodeAll(t *testing.T, s *runtime.Scheme, name string, stream []byte) []runtime.Object {
	t.Helper()
	ser := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s, kjson.SerializerOptions{Yaml: true, Strict: true})
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objs []runtime.Object
	for {
		doc, err := r.Read()
		if err != nil {
			break
		}
		if onlyComments(doc) {
			continue
		}
		obj, gvk, err := ser.Decode(doc, nil, nil)
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, doc)
			continue
		}
		if gvk.Kind == "" {
			t.Errorf("%s: a document without a kind", name)
		}
		objs = append(objs, obj)
	}
	return objs
}

func render(t *testing.T, overlay string) manifests {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join("k8s", "overlays", overlay))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", overlay, err)
	}
	out, err := rm.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	s := scheme(t)
	m := manifests{objs: decodeAll(t, s, overlay, out), secrets: map[string]*corev1.Secret{}}
	example, err := os.ReadFile(filepath.Join("k8s", "overlays", overlay, "secrets.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range decodeAll(t, s, overlay+"/secrets.example.yaml", example) {
		sec, ok := o.(*corev1.Secret)
		if !ok {
			t.Fatalf("secrets.example.yaml holds a %T", o)
		}
		m.secrets[sec.Name] = sec
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	for _, overlay := range []string{"dev", "production"} {
		t.Run(overlay, func(t *testing.T) {
			m := render(t, overlay)
			kinds := map[string]int{}
			for _, o := range m.objs {
				kinds[fmt.Sprintf("%T", o)]++
			}
			for _, want := range []string{"*v1.Deployment", "*v1.Service", "*v1.Ingress", "*v1.PodDisruptionBudget",
				"*v2.HorizontalPodAutoscaler", "*v1.NetworkPolicy", "*v1.Job", "*v1.ServiceMonitor", "*v1.Cluster", "*v1.ScheduledBackup"} {
				if kinds[want] == 0 {
					t.Errorf("no %s in the %s overlay (have %v)", want, overlay, kinds)
				}
			}
			checkWorkloads(t, m)
			checkTargets(t, m)
			checkDatabase(t, m)
			checkSecrets(t, m)
		})
	}
}

// podSpecs are the pod templates of Deployments and Jobs, by owner name.
func podSpecs(m manifests) map[string]*corev1.PodTemplateSpec {
	pods := map[string]*corev1.PodTemplateSpec{}
	for _, o := range m.objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			pods["Deployment/"+o.Name] = &o.Spec.Template
		case *batchv1.Job:
			pods["Job/"+o.Name] = &o.Spec.Template
		}
	}
	return pods
}

func checkWorkloads(t *testing.T, m manifests) {
	for name, pod := range podSpecs(m) {
		ps := pod.Spec
		if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: pod does not set runAsNonRoot", name)
		}
		for _, c := range ps.Containers {
			where := name + "/" + c.Name
			checkImage(t, where, c.Image)
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: root filesystem not read-only", where)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: privilege escalation allowed", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if c.Resources.Requests.Name(r, "").IsZero() || c.Resources.Limits.Name(r, "").IsZero() {
					t.Errorf("%s: %s request or limit missing", where, r)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					t.Errorf("%s: secret %s given as an environment value; mount it and set %s_FILE", where, e.Name, e.Name)
				}
			}
			if !strings.HasPrefix(name, "Deployment/") {
				continue
			}
			for probe, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				if p == nil || p.HTTPGet == nil {
					t.Errorf("%s: no HTTP %s probe", where, probe)
				}
			}
			if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/readyz" {
				t.Errorf("%s: readiness probe on %s, want /readyz", where, p.HTTPGet.Path)
			}
			if p := c.LivenessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/healthz" {
				t.Errorf("%s: liveness probe on %s, want /healthz", where, p.HTTPGet.Path)
			}
			if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" }) {
				t.Errorf("%s: no metrics port", where)
			}
		}
		// Writable volumes are emptyDirs with a size limit; nothing else is writable.
		for _, v := range ps.Volumes {
			if v.EmptyDir != nil && v.EmptyDir.SizeLimit == nil {
				t.Errorf("%s: emptyDir %s has no size limit", name, v.Name)
			}
		}
	}
	for _, o := range m.objs {
		if c, ok := o.(*cnpgv1.Cluster); ok {
			checkImage(t, "Cluster/"+c.Name, c.Spec.ImageName)
		}
	}
}

func checkImage(t *testing.T, where, image string) {
	t.Helper()
	ref := image[strings.LastIndex(image, "/")+1:]
	tag, hasTag := "", false
	if i := strings.IndexAny(ref, ":@"); i >= 0 {
		tag, hasTag = ref[i+1:], true
	}
	if !hasTag || tag == "" || tag == "latest" {
		t.Errorf("%s: image %q has no fixed tag or digest", where, image)
	}
}

// checkTargets: the PDB, HPA, Service and NetworkPolicies all find the Deployment's pods.
func checkTargets(t *testing.T, m manifests) {
	var dep *appsv1.Deployment
	for _, o := range m.objs {
		if d, ok := o.(*appsv1.Deployment); ok {
			dep = d
		}
	}
	if dep == nil {
		t.Fatal("no Deployment")
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 3 || dep.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Errorf("Deployment: want 3 replicas and rolling updates, have %v, %s", dep.Spec.Replicas, dep.Spec.Strategy.Type)
	}
	podLabels := labels.Set(dep.Spec.Template.Labels)
	selects := func(sel *metav1.LabelSelector) bool {
		s, err := metav1.LabelSelectorAsSelector(sel)
		return err == nil && !s.Empty() && s.Matches(podLabels)
	}
	var pdb, hpa, svc, netpol, monitor bool
	for _, o := range m.objs {
		switch o := o.(type) {
		case *policyv1.PodDisruptionBudget:
			pdb = pdb || selects(o.Spec.Selector)
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef
			hpa = hpa || (ref.Kind == "Deployment" && ref.Name == dep.Name && ref.APIVersion == "apps/v1")
			if o.Spec.MinReplicas == nil || *o.Spec.MinReplicas < 3 {
				t.Errorf("HPA %s may scale below 3 replicas", o.Name)
			}
		case *corev1.Service:
			svc = svc || (len(o.Spec.Selector) > 0 && labels.SelectorFromSet(o.Spec.Selector).Matches(podLabels))
		case *monitoringv1.ServiceMonitor:
			monitor = monitor || slices.ContainsFunc(o.Spec.Endpoints, func(e monitoringv1.Endpoint) bool { return e.Port == "metrics" })
		case *networkingv1.NetworkPolicy:
			if selects(&o.Spec.PodSelector) && len(o.Spec.Ingress) > 0 {
				netpol = true
			}
		}
	}
	for what, ok := range map[string]bool{"PodDisruptionBudget": pdb, "HorizontalPodAutoscaler": hpa, "Service": svc,
		"NetworkPolicy with ingress rules": netpol, "ServiceMonitor on the metrics port": monitor} {
		if !ok {
			t.Errorf("no %s targets the Deployment's pods", what)
		}
	}
}

// checkDatabase: three instances, at least one synchronous standby, both roles managed,
// backups to object storage on a schedule, and the database's NetworkPolicy admitting
// Hearth's pods and the migration Job.
func checkDatabase(t *testing.T, m manifests) {
	var cluster *cnpgv1.Cluster
	var scheduled bool
	for _, o := range m.objs {
		switch o := o.(type) {
		case *cnpgv1.Cluster:
			cluster = o
		case *cnpgv1.ScheduledBackup:
			scheduled = scheduled || o.Spec.Schedule != ""
		}
	}
	if cluster == nil {
		t.Fatal("no CloudNativePG Cluster")
	}
	spec := cluster.Spec
	if spec.Instances < 3 {
		t.Errorf("Cluster: %d instances, want 3", spec.Instances)
	}
	if s := spec.PostgresConfiguration.Synchronous; (s == nil || s.Number < 1) && spec.MinSyncReplicas < 1 {
		t.Error("Cluster: no synchronous standby")
	}
	var roles []string
	for _, r := range managedRoles(cluster) {
		roles = append(roles, r.Name)
	}
	if !slices.Contains(roles, "hearth") || !slices.Contains(roles, "hearth_app") {
		t.Errorf("Cluster: managed roles %v, want hearth (owner) and hearth_app", roles)
	}
	if spec.Backup == nil || spec.Backup.BarmanObjectStore == nil || spec.Backup.BarmanObjectStore.DestinationPath == "" || !scheduled {
		t.Error("Cluster: no backups to object storage on a schedule")
	}
	for name, pod := range podSpecs(m) {
		podLabels := labels.Set(pod.Labels)
		admitted := false
		for _, o := range m.objs {
			np, ok := o.(*networkingv1.NetworkPolicy)
			if !ok || np.Spec.PodSelector.MatchLabels["cnpg.io/cluster"] != cluster.Name {
				continue
			}
			for _, rule := range np.Spec.Ingress {
				for _, peer := range rule.From {
					if peer.NamespaceSelector == nil && peer.PodSelector != nil {
						s, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
						admitted = admitted || (err == nil && s.Matches(podLabels))
					}
				}
			}
		}
		if !admitted {
			t.Errorf("%s cannot reach PostgreSQL: no NetworkPolicy on the cluster admits its pods", name)
		}
	}
}

// checkSecrets: every Secret and key the objects read is in the overlay's example.
func checkSecrets(t *testing.T, m manifests) {
	need := func(where, name string, keys ...string) {
		sec, ok := m.secrets[name]
		if !ok {
			t.Errorf("%s reads Secret %s, missing from secrets.example.yaml", where, name)
			return
		}
		for _, k := range keys {
			_, inString := sec.StringData[k]
			_, inData := sec.Data[k]
			if !inString && !inData {
				t.Errorf("%s reads key %s of Secret %s, missing from secrets.example.yaml", where, k, name)
			}
		}
	}
	for name, pod := range podSpecs(m) {
		for _, v := range pod.Spec.Volumes {
			if v.Secret == nil {
				continue
			}
			var keys []string
			for _, it := range v.Secret.Items {
				keys = append(keys, it.Key)
			}
			need(name, v.Secret.SecretName, keys...)
		}
		for _, c := range pod.Spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					need(name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
				}
			}
		}
	}
	for _, o := range m.objs {
		switch o := o.(type) {
		case *networkingv1.Ingress:
			for _, tls := range o.Spec.TLS {
				need("Ingress/"+o.Name, tls.SecretName, "tls.crt", "tls.key")
			}
			if len(o.Spec.TLS) == 0 {
				t.Errorf("Ingress %s has no TLS", o.Name)
			}
		case *cnpgv1.Cluster:
			where := "Cluster/" + o.Name
			if b := o.Spec.Bootstrap; b != nil && b.InitDB != nil && b.InitDB.Secret != nil {
				need(where, b.InitDB.Secret.Name, "username", "password")
			}
			for _, r := range managedRoles(o) {
				if r.PasswordSecret != nil {
					need(where, r.PasswordSecret.Name, "username", "password")
				}
			}
			if b := o.Spec.Backup; b != nil && b.BarmanObjectStore != nil && b.BarmanObjectStore.AWS != nil {
				aws := b.BarmanObjectStore.AWS
				for _, ref := range []*cnpgv1.SecretKeySelector{aws.AccessKeyIDReference, aws.SecretAccessKeyReference} {
					if ref != nil {
						need(where, ref.Name, ref.Key)
					}
				}
			}
		}
	}
	for _, o := range m.objs {
		if s, ok := o.(*corev1.Secret); ok && !strings.HasSuffix(s.Namespace, "-dev") {
			t.Errorf("Secret %s is rendered outside the dev overlay: production secrets never live in the repository", s.Name)
		}
	}
}

// onlyComments reports whether a YAML document holds nothing but comments and blanks.
func onlyComments(doc []byte) bool {
	for line := range strings.SplitSeq(string(doc), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

func managedRoles(c *cnpgv1.Cluster) []cnpgv1.RoleConfiguration {
	if c.Spec.Managed == nil {
		return nil
	}
	return c.Spec.Managed.Roles
}
