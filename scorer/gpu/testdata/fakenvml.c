/*
 * fakenvml.c: a FAKE libnvidia-ml.so.1 for tests on machines without an
 * NVIDIA driver. It implements only the NVML calls Podium makes, so the
 * scorer's real NVML path (go-nvml's dlopen and cgo calls) can run end to
 * end. Devices come from FAKE_NVML_GPUS="NAME:MiB,NAME:MiB" (default one
 * "NVIDIA A100-SXM4-40GB:40960"). Each draws 150 W at 50 % utilisation with
 * 1024 MiB in use; its energy counter grows with time. It is never used
 * outside tests.
 *
 * Build: gcc -shared -fPIC -o libnvidia-ml.so.1 fakenvml.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
enum { OK = 0, INVALID = 2, NOT_SUPPORTED = 3, NOT_FOUND = 6, INSUFFICIENT = 7 };

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gi, ci; } nvmlProcessInfo_t;

struct nvmlDevice_st { int index; char name[96]; char uuid[80]; unsigned long long mib; };
typedef struct nvmlDevice_st *nvmlDevice_t;

static struct nvmlDevice_st devs[16];
static int ndevs = -1;
static struct timespec t0;

static void setup(void) {
	if (ndevs >= 0) return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *spec = getenv("FAKE_NVML_GPUS");
	if (!spec) spec = "NVIDIA A100-SXM4-40GB:40960";
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", spec);
	ndevs = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok && ndevs < 16; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');
		if (!colon) continue;
		*colon = 0;
		struct nvmlDevice_st *d = &devs[ndevs];
		d->index = ndevs;
		snprintf(d->name, sizeof d->name, "%s", tok);
		snprintf(d->uuid, sizeof d->uuid, "GPU-fa4e0000-0000-0000-0000-%012d", ndevs);
		d->mib = strtoull(colon + 1, NULL, 10);
		ndevs++;
	}
}

static int valid(nvmlDevice_t d) { return d >= devs && d < devs + ndevs; }

nvmlReturn_t nvmlInit_v2(void) { setup(); return OK; }
nvmlReturn_t nvmlInit(void) { setup(); return OK; }
nvmlReturn_t nvmlShutdown(void) { return OK; }
const char *nvmlErrorString(nvmlReturn_t r) {
	switch (r) {
	case OK: return "Success";
	case INVALID: return "Invalid Argument";
	case NOT_SUPPORTED: return "Not Supported";
	case NOT_FOUND: return "Not Found";
	case INSUFFICIENT: return "Insufficient Size";
	}
	return "Unknown Error";
}

static nvmlReturn_t str(char *dst, unsigned int len, const char *src) {
	if (strlen(src) + 1 > len) return INSUFFICIENT;
	strcpy(dst, src);
	return OK;
}
nvmlReturn_t nvmlSystemGetDriverVersion(char *v, unsigned int len) { return str(v, len, "550.00.fake"); }
nvmlReturn_t nvmlSystemGetNVMLVersion(char *v, unsigned int len) { return str(v, len, "12.550.00.fake"); }
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v) { *v = 12040; return OK; }

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { setup(); *n = ndevs; return OK; }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) {
	setup();
	if (i >= (unsigned)ndevs) return INVALID;
	*d = &devs[i];
	return OK;
}
nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *d) {
	setup();
	for (int i = 0; i < ndevs; i++)
		if (strcmp(devs[i].uuid, uuid) == 0) { *d = &devs[i]; return OK; }
	return NOT_FOUND;
}
nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t d, unsigned int *i) { if (!valid(d)) return INVALID; *i = d->index; return OK; }
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *n, unsigned int len) { if (!valid(d)) return INVALID; return str(n, len, d->name); }
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *u, unsigned int len) { if (!valid(d)) return INVALID; return str(u, len, d->uuid); }
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
	if (!valid(d)) return INVALID;
	m->total = d->mib << 20;
	m->used = 1024ULL << 20;
	m->free = m->total - m->used;
	return OK;
}
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw) { if (!valid(d)) return INVALID; *mw = 400000; return OK; }
nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned int *mw) { if (!valid(d)) return INVALID; *mw = 400000; return OK; }
nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t d, int *major, int *minor) {
	if (!valid(d)) return INVALID;
	*major = 8; *minor = 0;
	return OK;
}
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *mj) {
	if (!valid(d)) return INVALID;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	double s = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
	*mj = 1000000ULL + (unsigned long long)(s * 150.0 * 1000.0);
	return OK;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) { if (!valid(d)) return INVALID; *mw = 150000; return OK; }
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
	if (!valid(d)) return INVALID;
	u->gpu = 50; u->memory = 20;
	return OK;
}
nvmlReturn_t nvmlDeviceGetAccountingMode(nvmlDevice_t d, int *mode) { if (!valid(d)) return INVALID; *mode = 0; return OK; }
nvmlReturn_t nvmlDeviceGetAccountingPids(nvmlDevice_t d, unsigned int *count, unsigned int *pids) {
	if (!valid(d)) return INVALID;
	*count = 0;
	return OK;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *count, nvmlProcessInfo_t *infos) {
	if (!valid(d)) return INVALID;
	*count = 0;
	return OK;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *count, nvmlProcessInfo_t *infos) {
	return nvmlDeviceGetComputeRunningProcesses_v3(d, count, infos);
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned int *count, nvmlProcessInfo_t *infos) {
	return nvmlDeviceGetComputeRunningProcesses_v3(d, count, infos);
}
