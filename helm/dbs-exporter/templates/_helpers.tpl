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

{{/* Labels the Deployment selects its pods by, and the Service and ServiceMonitor select by. */}}
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

{{/* The image reference: repository:tag (tag defaults to appVersion), or repository@digest. */}}
{{- define "dbs-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
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
