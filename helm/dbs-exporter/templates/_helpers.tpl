{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "dbs-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name alone when it already contains the chart name.
It names every object, so it is also the `job` label Prometheus Operator gives the ServiceMonitor's targets.
*/}}
{{- define "dbs-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "dbs-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object: the standard ones, then commonLabels. Called with the root context, or with
(dict "ctx" $ "extra" <labels of this object>); on a repeated key the standard labels win, then the
object's own, then commonLabels, so no key is ever written twice.
*/}}
{{- define "dbs-exporter.labels" -}}
{{- $ctx := . }}
{{- $extra := dict }}
{{- if hasKey . "ctx" }}
{{- $ctx = .ctx }}
{{- $extra = .extra }}
{{- end }}
{{- $labels := dict "helm.sh/chart" (include "dbs-exporter.chart" $ctx) "app.kubernetes.io/name" (include "dbs-exporter.name" $ctx) "app.kubernetes.io/instance" $ctx.Release.Name "app.kubernetes.io/version" $ctx.Chart.AppVersion "app.kubernetes.io/managed-by" $ctx.Release.Service "app.kubernetes.io/part-of" "dbs-exporter" }}
{{- toYaml (merge $labels $extra $ctx.Values.commonLabels) }}
{{- end }}

{{/* Labels the Deployment (or StatefulSet) selects its pods by, and the Services and ServiceMonitor select by. */}}
{{- define "dbs-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dbs-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Name of the ServiceAccount the pod runs as. */}}
{{- define "dbs-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dbs-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository:tag (tag defaults to appVersion), or repository@digest. No image is
published, so there is no default repository: an empty one fails the render and says what to do.
*/}}
{{- define "dbs-exporter.image" -}}
{{- $repository := required "image.repository is required: no dbs-exporter image is published. Build the image, push it to a registry your cluster can pull from (README.md, section Deploying), and install with --set image.repository=<registry>/dbs-exporter --set image.tag=<tag>" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the AccessKey, or "" when no AccessKey is configured. An inline id without
its secret (or the reverse) fails the render.
*/}}
{{- define "dbs-exporter.credentialsSecretName" -}}
{{- if .Values.credentials.existingSecret }}
{{- .Values.credentials.existingSecret }}
{{- else if or .Values.credentials.accessKeyId .Values.credentials.accessKeySecret }}
{{- $_ := required "credentials.accessKeyId is required when credentials.accessKeySecret is set" .Values.credentials.accessKeyId }}
{{- $_ = required "credentials.accessKeySecret is required when credentials.accessKeyId is set" .Values.credentials.accessKeySecret }}
{{- printf "%s-credentials" (include "dbs-exporter.fullname" .) }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding web-config.yml. */}}
{{- define "dbs-exporter.webConfigSecretName" -}}
{{- default (printf "%s-web-config" (include "dbs-exporter.fullname" .)) .Values.webConfig.existingSecret }}
{{- end }}

{{/* "true" when the exporter serves HTTPS: webConfig.tls, or guessed from tlsSecretName / tls_server_config. */}}
{{- define "dbs-exporter.tls" -}}
{{- if .Values.webConfig.enabled }}
{{- if eq (toString .Values.webConfig.tls) "" }}
{{- if or .Values.webConfig.tlsSecretName (hasKey .Values.webConfig.config "tls_server_config") }}true{{ end }}
{{- else if .Values.webConfig.tls }}true
{{- end }}
{{- end }}
{{- end }}

{{/* HTTP or HTTPS, for the probes. */}}
{{- define "dbs-exporter.probeScheme" -}}
{{- if include "dbs-exporter.tls" . }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/* The PromQL selector of the exporter's scrape job: the threshold, or job="<Service name>". */}}
{{- define "dbs-exporter.exporterJobSelector" -}}
{{- default (printf "job=\"%s\"" (include "dbs-exporter.fullname" .)) .Values.prometheusRule.thresholds.exporterJobSelector }}
{{- end }}

{{/*
The pod template (metadata and spec) of the Deployment and of the sharded StatefulSet: one definition, so
the two cannot drift. Called with the root context; its output starts at column 0 (nindent it under
`template:`). With sharding.enabled it adds --shard.total and the shard index (see values.yaml).
*/}}
{{- define "dbs-exporter.podTemplate" -}}
{{- $credentialsSecret := include "dbs-exporter.credentialsSecretName" . }}
metadata:
  annotations:
    # A changed config or Secret changes these, so `helm upgrade` rolls the pod.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    checksum/secret: {{ print (include (print $.Template.BasePath "/secret.yaml") .) (include (print $.Template.BasePath "/web-config-secret.yaml") .) | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "dbs-exporter.labels" (dict "ctx" . "extra" .Values.podLabels) | nindent 4 }}
spec:
  serviceAccountName: {{ include "dbs-exporter.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: dbs-exporter
      image: {{ include "dbs-exporter.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- if and .Values.sharding.enabled (eq .Values.sharding.indexSource "podName") }}
      # The ordinal is the pod name's last dash-separated part (<StatefulSet>-<N>). Needs /bin/sh and the
      # image's entrypoint (node dist/cli.js in /app), as in the shipped Debian-based image; $0 is
      # "dbs-exporter", the args below are "$@" and may still override the index.
      command:
        - /bin/sh
        - -c
        - exec node dist/cli.js --shard.index="${POD_NAME##*-}" "$@"
        - dbs-exporter
      {{- end }}
      args:
        - --config=/etc/dbs-exporter/dbs-exporter.yaml
        - --web.listen-address=:9871
        - --log.format=json
        - --log.level={{ .Values.logLevel }}
        {{- if .Values.webConfig.enabled }}
        - --web.config.file=/etc/dbs-exporter/web/web-config.yml
        {{- end }}
        {{- if .Values.sharding.enabled }}
        - --shard.total={{ .Values.sharding.replicas }}
        {{- if eq .Values.sharding.indexSource "podIndexLabel" }}
        - --shard.index=$(SHARD_INDEX)
        {{- end }}
        {{- end }}
        {{- with .Values.extraArgs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if or $credentialsSecret .Values.sharding.enabled .Values.extraEnv .Values.nodeOptions }}
      env:
        {{- if .Values.nodeOptions }}
        {{- range .Values.extraEnv }}
        {{- if eq .name "NODE_OPTIONS" }}
        {{- fail "extraEnv sets NODE_OPTIONS, which nodeOptions already sets: use nodeOptions" }}
        {{- end }}
        {{- end }}
        # From nodeOptions; without --max-old-space-size in it, node sizes its heap from the memory limit.
        - name: NODE_OPTIONS
          value: {{ .Values.nodeOptions | quote }}
        {{- end }}
        {{- if $credentialsSecret }}
        - name: DBS_ACCESS_KEY_ID
          valueFrom:
            secretKeyRef:
              name: {{ $credentialsSecret }}
              key: {{ .Values.credentials.accessKeyIdKey }}
        - name: DBS_ACCESS_KEY_SECRET
          valueFrom:
            secretKeyRef:
              name: {{ $credentialsSecret }}
              key: {{ .Values.credentials.accessKeySecretKey }}
        {{- end }}
        {{- if .Values.sharding.enabled }}
        {{- if eq .Values.sharding.indexSource "podIndexLabel" }}
        # Set by the StatefulSet controller from Kubernetes 1.28 (PodIndexLabel); expanded in args as $(SHARD_INDEX).
        - name: SHARD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- else }}
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        {{- end }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      ports:
        - name: http-metrics
          containerPort: 9871
          protocol: TCP
      livenessProbe:
        httpGet:
          path: /-/healthy
          port: http-metrics
          scheme: {{ include "dbs-exporter.probeScheme" . }}
          {{- with .Values.probeHttpHeaders }}
          httpHeaders:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      readinessProbe:
        httpGet:
          path: /-/ready
          port: http-metrics
          scheme: {{ include "dbs-exporter.probeScheme" . }}
          {{- with .Values.probeHttpHeaders }}
          httpHeaders:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/dbs-exporter
          readOnly: true
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    # One projected volume: the config file, and web/ with the web config and TLS pair when enabled.
    - name: config
      projected:
        sources:
          - configMap:
              name: {{ include "dbs-exporter.fullname" . }}
              items:
                - key: dbs-exporter.yaml
                  path: dbs-exporter.yaml
          {{- if .Values.webConfig.enabled }}
          - secret:
              name: {{ include "dbs-exporter.webConfigSecretName" . }}
              items:
                - key: web-config.yml
                  path: web/web-config.yml
          {{- with .Values.webConfig.tlsSecretName }}
          - secret:
              name: {{ . }}
              items:
                - key: tls.crt
                  path: web/tls.crt
                - key: tls.key
                  path: web/tls.key
          {{- end }}
          {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* Name of the StatefulSet: at most 52 characters, so its pods' controller-revision-hash label stays within 63. */}}
{{- define "dbs-exporter.statefulSetName" -}}
{{- include "dbs-exporter.fullname" . | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* Name of the headless Service governing the StatefulSet. */}}
{{- define "dbs-exporter.headlessServiceName" -}}
{{- printf "%s-headless" (include "dbs-exporter.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}
