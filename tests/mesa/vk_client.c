/* A tiny Vulkan client for turnip: instance, physical device (name printed), device +
 * queue, a host-visible buffer, one command buffer with vkCmdFillBuffer, submit, fence
 * wait, map and read back.
 *
 *   vk_client [-n SUBMITS] [ICD]
 *
 * It loads the ICD (libvulkan_freedreno.so) directly with dlopen and talks to it through
 * vk_icdGetInstanceProcAddr: no Vulkan loader is needed (the guest image has none). ICD is
 * the library path; without it, the "library_path" of the JSON file named by
 * VK_ICD_FILENAMES is used.
 *
 * Every step prints "step=<vkCall> ok" or, on failure,
 * "FAIL call=<vkCall> result=<VkResult name> (<number>)" and the client exits 1.
 * The filled value is printed (value=0x...) and compared (fill=match|mismatch) but a
 * mismatch does not fail: drm-shim and msmvirt's sim backend do not execute turnip's
 * blits. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vulkan/vulkan.h>
#include <vulkan/vk_icd.h>

#define FILL_VALUE 0xdeadbeefu
#define BUF_SIZE 4096

static const char *res_str(VkResult r)
{
	switch (r) {
#define R(x) case x: return #x;
	R(VK_SUCCESS) R(VK_NOT_READY) R(VK_TIMEOUT) R(VK_EVENT_SET) R(VK_EVENT_RESET)
	R(VK_INCOMPLETE) R(VK_ERROR_OUT_OF_HOST_MEMORY) R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
	R(VK_ERROR_INITIALIZATION_FAILED) R(VK_ERROR_DEVICE_LOST) R(VK_ERROR_MEMORY_MAP_FAILED)
	R(VK_ERROR_LAYER_NOT_PRESENT) R(VK_ERROR_EXTENSION_NOT_PRESENT)
	R(VK_ERROR_FEATURE_NOT_PRESENT) R(VK_ERROR_INCOMPATIBLE_DRIVER)
	R(VK_ERROR_TOO_MANY_OBJECTS) R(VK_ERROR_FORMAT_NOT_SUPPORTED)
	R(VK_ERROR_FRAGMENTED_POOL) R(VK_ERROR_UNKNOWN)
	R(VK_ERROR_OUT_OF_POOL_MEMORY) R(VK_ERROR_INVALID_EXTERNAL_HANDLE)
#undef R
	default: return "VK_?";
	}
}

#define CHECK(call, expr) \
	do { \
		VkResult r_ = (expr); \
		if (r_ != VK_SUCCESS) { \
			printf("FAIL call=%s result=%s (%d)\n", call, res_str(r_), (int)r_); \
			fflush(stdout); \
			return 1; \
		} \
		printf("step=%s ok\n", call); \
	} while (0)

/* "library_path" of an ICD JSON file (a deliberately small reader: the first string
 * value after the key). Returns a malloc'd string or NULL. */
static char *icd_library_from_json(const char *json_path)
{
	FILE *f = fopen(json_path, "r");
	if (!f)
		return NULL;
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strstr(buf, "\"library_path\"");
	if (!p)
		return NULL;
	p = strchr(p + strlen("\"library_path\""), ':');
	if (!p || !(p = strchr(p, '"')))
		return NULL;
	char *end = strchr(++p, '"');
	if (!end)
		return NULL;
	*end = '\0';
	return strdup(p);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	const char *icd = NULL;
	char *icd_owned = NULL;
	int submits = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			submits = atoi(argv[++i]);
			if (submits < 1)
				submits = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: vk_client [-n SUBMITS] [ICD_LIBRARY]\n");
			return 2;
		} else {
			icd = argv[i];
		}
	}
	if (!icd) {
		const char *json = getenv("VK_ICD_FILENAMES");
		if (json) {
			char *first = strdup(json), *colon = strchr(first, ':');
			if (colon)
				*colon = '\0';
			icd = icd_owned = icd_library_from_json(first);
			free(first);
		}
	}
	if (!icd) {
		fprintf(stderr, "vk_client: no ICD (give its path or set VK_ICD_FILENAMES)\n");
		return 2;
	}
	printf("icd=%s\n", icd);

	void *lib = dlopen(icd, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		printf("FAIL call=dlopen error=%s\n", dlerror());
		return 1;
	}
	PFN_vkNegotiateLoaderICDInterfaceVersion negotiate =
		(PFN_vkNegotiateLoaderICDInterfaceVersion)dlsym(lib, "vk_icdNegotiateLoaderICDInterfaceVersion");
	PFN_vkGetInstanceProcAddr gipa =
		(PFN_vkGetInstanceProcAddr)dlsym(lib, "vk_icdGetInstanceProcAddr");
	if (!gipa) {
		printf("FAIL call=dlsym(vk_icdGetInstanceProcAddr)\n");
		return 1;
	}
	if (negotiate) {
		uint32_t ver = 5;
		CHECK("vk_icdNegotiateLoaderICDInterfaceVersion", negotiate(&ver));
		printf("icd_interface_version=%u\n", ver);
	}

#define IPROC(inst, name) PFN_##name name = (PFN_##name)gipa(inst, #name)
	IPROC(NULL, vkCreateInstance);
	if (!vkCreateInstance) {
		printf("FAIL call=vk_icdGetInstanceProcAddr(vkCreateInstance)\n");
		return 1;
	}
	const VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "msmvirt vk_client",
		.apiVersion = VK_API_VERSION_1_1,
	};
	const VkInstanceCreateInfo ici = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkInstance inst;
	double t0 = now_ms();
	CHECK("vkCreateInstance", vkCreateInstance(&ici, NULL, &inst));

	IPROC(inst, vkDestroyInstance);
	IPROC(inst, vkEnumeratePhysicalDevices);
	IPROC(inst, vkGetPhysicalDeviceProperties);
	IPROC(inst, vkGetPhysicalDeviceQueueFamilyProperties);
	IPROC(inst, vkGetPhysicalDeviceMemoryProperties);
	IPROC(inst, vkCreateDevice);
	IPROC(inst, vkGetDeviceProcAddr);

	uint32_t npd = 0;
	CHECK("vkEnumeratePhysicalDevices", vkEnumeratePhysicalDevices(inst, &npd, NULL));
	printf("physical_devices=%u\n", npd);
	if (npd == 0) {
		printf("FAIL call=vkEnumeratePhysicalDevices result=no devices\n");
		return 1;
	}
	npd = 1;
	VkPhysicalDevice pd;
	VkResult er = vkEnumeratePhysicalDevices(inst, &npd, &pd);
	if (er != VK_SUCCESS && er != VK_INCOMPLETE)
		CHECK("vkEnumeratePhysicalDevices", er);

	VkPhysicalDeviceProperties props;
	vkGetPhysicalDeviceProperties(pd, &props);
	printf("deviceName=%s\n", props.deviceName);
	printf("apiVersion=%u.%u.%u\n", VK_API_VERSION_MAJOR(props.apiVersion),
	       VK_API_VERSION_MINOR(props.apiVersion), VK_API_VERSION_PATCH(props.apiVersion));
	fflush(stdout);

	uint32_t nqf = 0;
	vkGetPhysicalDeviceQueueFamilyProperties(pd, &nqf, NULL);
	VkQueueFamilyProperties qf[8];
	if (nqf > 8)
		nqf = 8;
	vkGetPhysicalDeviceQueueFamilyProperties(pd, &nqf, qf);
	uint32_t family = UINT32_MAX;
	for (uint32_t i = 0; i < nqf && family == UINT32_MAX; i++)
		if (qf[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT))
			family = i;
	if (family == UINT32_MAX) {
		printf("FAIL call=vkGetPhysicalDeviceQueueFamilyProperties result=no usable family\n");
		return 1;
	}

	const float prio = 1.0f;
	const VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = family,
		.queueCount = 1,
		.pQueuePriorities = &prio,
	};
	const VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
	};
	VkDevice dev;
	CHECK("vkCreateDevice", vkCreateDevice(pd, &dci, NULL, &dev));

#define DPROC(name) PFN_##name name = (PFN_##name)vkGetDeviceProcAddr(dev, #name)
	DPROC(vkDestroyDevice);
	DPROC(vkGetDeviceQueue);
	DPROC(vkCreateBuffer);
	DPROC(vkDestroyBuffer);
	DPROC(vkGetBufferMemoryRequirements);
	DPROC(vkAllocateMemory);
	DPROC(vkFreeMemory);
	DPROC(vkBindBufferMemory);
	DPROC(vkMapMemory);
	DPROC(vkUnmapMemory);
	DPROC(vkInvalidateMappedMemoryRanges);
	DPROC(vkCreateCommandPool);
	DPROC(vkDestroyCommandPool);
	DPROC(vkAllocateCommandBuffers);
	DPROC(vkBeginCommandBuffer);
	DPROC(vkEndCommandBuffer);
	DPROC(vkCmdFillBuffer);
	DPROC(vkCreateFence);
	DPROC(vkDestroyFence);
	DPROC(vkQueueSubmit);
	DPROC(vkWaitForFences);
	DPROC(vkDeviceWaitIdle);

	VkQueue queue;
	vkGetDeviceQueue(dev, family, 0, &queue);

	const VkBufferCreateInfo bci = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = BUF_SIZE,
		.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkBuffer buf;
	CHECK("vkCreateBuffer", vkCreateBuffer(dev, &bci, NULL, &buf));
	VkMemoryRequirements req;
	vkGetBufferMemoryRequirements(dev, buf, &req);
	VkPhysicalDeviceMemoryProperties mp;
	vkGetPhysicalDeviceMemoryProperties(pd, &mp);
	const VkMemoryPropertyFlags want =
		VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	uint32_t type = UINT32_MAX;
	for (uint32_t i = 0; i < mp.memoryTypeCount && type == UINT32_MAX; i++)
		if ((req.memoryTypeBits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want)
			type = i;
	if (type == UINT32_MAX) {
		printf("FAIL call=vkGetPhysicalDeviceMemoryProperties result=no host-visible coherent type\n");
		return 1;
	}
	const VkMemoryAllocateInfo mai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = req.size,
		.memoryTypeIndex = type,
	};
	VkDeviceMemory mem;
	CHECK("vkAllocateMemory", vkAllocateMemory(dev, &mai, NULL, &mem));
	CHECK("vkBindBufferMemory", vkBindBufferMemory(dev, buf, mem, 0));

	/* Poison the buffer from the CPU so a fill that runs is visible. */
	uint32_t *map = NULL;
	CHECK("vkMapMemory", vkMapMemory(dev, mem, 0, VK_WHOLE_SIZE, 0, (void **)&map));
	memset(map, 0x11, BUF_SIZE);

	const VkCommandPoolCreateInfo cpci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.queueFamilyIndex = family,
	};
	VkCommandPool pool;
	CHECK("vkCreateCommandPool", vkCreateCommandPool(dev, &cpci, NULL, &pool));
	const VkCommandBufferAllocateInfo cbai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBuffer cmd;
	CHECK("vkAllocateCommandBuffers", vkAllocateCommandBuffers(dev, &cbai, &cmd));
	/* A dispatchable object handed out by an ICD without a loader: it still carries the
	 * loader magic in its first word, which nobody checks here. */
	const VkCommandBufferBeginInfo cbbi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
	};
	CHECK("vkBeginCommandBuffer", vkBeginCommandBuffer(cmd, &cbbi));
	vkCmdFillBuffer(cmd, buf, 0, VK_WHOLE_SIZE, FILL_VALUE);
	printf("step=vkCmdFillBuffer ok\n");
	CHECK("vkEndCommandBuffer", vkEndCommandBuffer(cmd));

	/* One fence per submit: vkResetFences would need DRM_IOCTL_SYNCOBJ_RESET, which
	 * drm-shim does not implement (it fails with VK_ERROR_UNKNOWN there). */
	const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	const VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd,
	};
	double ts = now_ms();
	for (int i = 0; i < submits; i++) {
		VkFence fence;
		CHECK("vkCreateFence", vkCreateFence(dev, &fci, NULL, &fence));
		CHECK("vkQueueSubmit", vkQueueSubmit(queue, 1, &si, fence));
		CHECK("vkWaitForFences", vkWaitForFences(dev, 1, &fence, VK_TRUE, 10ull * 1000 * 1000 * 1000));
		vkDestroyFence(dev, fence, NULL);
	}
	double te = now_ms();
	printf("submits=%d\n", submits);
	printf("submit_wait_ms=%.3f\n", (te - ts) / submits);

	const VkMappedMemoryRange range = {
		.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
		.memory = mem,
		.size = VK_WHOLE_SIZE,
	};
	CHECK("vkInvalidateMappedMemoryRanges", vkInvalidateMappedMemoryRanges(dev, 1, &range));
	uint32_t v0 = map[0], vlast = map[BUF_SIZE / 4 - 1];
	printf("value=0x%08x,0x%08x\n", v0, vlast);
	printf("fill=%s\n", v0 == FILL_VALUE && vlast == FILL_VALUE ? "match" : "mismatch");
	vkUnmapMemory(dev, mem);

	CHECK("vkDeviceWaitIdle", vkDeviceWaitIdle(dev));
	vkDestroyCommandPool(dev, pool, NULL);
	vkDestroyBuffer(dev, buf, NULL);
	vkFreeMemory(dev, mem, NULL);
	vkDestroyDevice(dev, NULL);
	vkDestroyInstance(inst, NULL);
	printf("total_ms=%.1f\n", now_ms() - t0);
	free(icd_owned);
	printf("result=ok\n");
	return 0;
}
