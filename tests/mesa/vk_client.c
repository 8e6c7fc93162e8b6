/* A tiny Vulkan client for turnip: instance, physical device (name printed), device +
 * queue, a host-visible buffer, one command buffer with vkCmdFillBuffer, submit, fence
 * wait, map and read back; then a 64x64 RGBA8 optimal-tiling image cleared with
 * vkCmdClearColorImage and a 32x32 corner of it copied into the buffer
 * (vkCmdCopyImageToBuffer), read back.
 *
 *   vk_client [-n SUBMITS] [-c] [ICD]
 *
 * It loads the ICD (libvulkan_freedreno.so) directly with dlopen and talks to it through
 * vk_icdGetInstanceProcAddr: no Vulkan loader is needed (the guest image has none). ICD is
 * the library path; without it, the "library_path" of the JSON file named by
 * VK_ICD_FILENAMES is used.
 *
 * Every step prints "step=<vkCall> ok" or, on failure,
 * "FAIL call=<vkCall> result=<VkResult name> (<number>)" and the client exits 1.
 * The filled value is printed (value=0x...) and compared (fill=match|mismatch), the
 * cleared image's pixels too (clear_pixel=r,g,b,a clear=match|mismatch). A mismatch fails
 * (exit 4) only with -c: msmvirt's sim GPU executes turnip's 2D blits, drm-shim executes
 * nothing. */
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
#define IMG_SIZE 64
#define COPY_SIZE 32 /* COPY_SIZE^2 RGBA8 pixels fill BUF_SIZE */
static const uint8_t clear_rgba[4] = { 29, 203, 121, 255 };

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
	int submits = 1, check = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			submits = atoi(argv[++i]);
			if (submits < 1)
				submits = 1;
		} else if (!strcmp(argv[i], "-c")) {
			check = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: vk_client [-n SUBMITS] [-c] [ICD_LIBRARY]\n");
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
	DPROC(vkCreateImage);
	DPROC(vkDestroyImage);
	DPROC(vkGetImageMemoryRequirements);
	DPROC(vkBindImageMemory);
	DPROC(vkCmdPipelineBarrier);
	DPROC(vkCmdClearColorImage);
	DPROC(vkCmdCopyImageToBuffer);

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
	int fill_ok = v0 == FILL_VALUE && vlast == FILL_VALUE;
	printf("value=0x%08x,0x%08x\n", v0, vlast);
	printf("fill=%s\n", fill_ok ? "match" : "mismatch");

	/* vkCmdClearColorImage on an optimal-tiling image, then a copy of its corner into
	 * the buffer: turnip's 2D engine (solid fill, then a tiled-to-linear copy). */
	const VkImageCreateInfo imci = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
		.imageType = VK_IMAGE_TYPE_2D,
		.format = VK_FORMAT_R8G8B8A8_UNORM,
		.extent = { IMG_SIZE, IMG_SIZE, 1 },
		.mipLevels = 1,
		.arrayLayers = 1,
		.samples = VK_SAMPLE_COUNT_1_BIT,
		.tiling = VK_IMAGE_TILING_OPTIMAL,
		.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
		.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
	};
	VkImage img;
	CHECK("vkCreateImage", vkCreateImage(dev, &imci, NULL, &img));
	VkMemoryRequirements ireq;
	vkGetImageMemoryRequirements(dev, img, &ireq);
	uint32_t itype = UINT32_MAX;
	for (uint32_t i = 0; i < mp.memoryTypeCount && itype == UINT32_MAX; i++)
		if (ireq.memoryTypeBits & (1u << i))
			itype = i;
	const VkMemoryAllocateInfo imai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = ireq.size,
		.memoryTypeIndex = itype,
	};
	VkDeviceMemory imem;
	CHECK("vkAllocateMemory(image)", vkAllocateMemory(dev, &imai, NULL, &imem));
	CHECK("vkBindImageMemory", vkBindImageMemory(dev, img, imem, 0));
	memset(map, 0x11, BUF_SIZE);

	VkCommandBuffer cmd2;
	CHECK("vkAllocateCommandBuffers", vkAllocateCommandBuffers(dev, &cbai, &cmd2));
	CHECK("vkBeginCommandBuffer", vkBeginCommandBuffer(cmd2, &cbbi));
	const VkImageSubresourceRange sub = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 };
	VkImageMemoryBarrier ib = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
		.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
		.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
		.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.image = img,
		.subresourceRange = sub,
	};
	vkCmdPipelineBarrier(cmd2, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     0, 0, NULL, 0, NULL, 1, &ib);
	VkClearColorValue ccv;
	for (int k = 0; k < 4; k++)
		ccv.float32[k] = clear_rgba[k] / 255.0f;
	vkCmdClearColorImage(cmd2, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &ccv, 1, &sub);
	printf("step=vkCmdClearColorImage ok\n");
	ib.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
	ib.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
	ib.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
	ib.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
	vkCmdPipelineBarrier(cmd2, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     0, 0, NULL, 0, NULL, 1, &ib);
	const VkBufferImageCopy bic = {
		.imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
		.imageOffset = { IMG_SIZE - COPY_SIZE, IMG_SIZE - COPY_SIZE, 0 },
		.imageExtent = { COPY_SIZE, COPY_SIZE, 1 },
	};
	vkCmdCopyImageToBuffer(cmd2, img, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buf, 1, &bic);
	printf("step=vkCmdCopyImageToBuffer ok\n");
	CHECK("vkEndCommandBuffer", vkEndCommandBuffer(cmd2));
	const VkSubmitInfo si2 = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd2,
	};
	VkFence fence2;
	CHECK("vkCreateFence", vkCreateFence(dev, &fci, NULL, &fence2));
	CHECK("vkQueueSubmit", vkQueueSubmit(queue, 1, &si2, fence2));
	CHECK("vkWaitForFences", vkWaitForFences(dev, 1, &fence2, VK_TRUE, 10ull * 1000 * 1000 * 1000));
	vkDestroyFence(dev, fence2, NULL);
	CHECK("vkInvalidateMappedMemoryRanges", vkInvalidateMappedMemoryRanges(dev, 1, &range));
	const uint8_t *px = (const uint8_t *)map;
	int bad = 0;
	for (int i = 0; i < COPY_SIZE * COPY_SIZE * 4; i++)
		bad += px[i] != clear_rgba[i % 4];
	printf("clear_pixel=%u,%u,%u,%u expected=%u,%u,%u,%u\n", px[0], px[1], px[2], px[3],
	       clear_rgba[0], clear_rgba[1], clear_rgba[2], clear_rgba[3]);
	printf("clear=%s (%d of %d bytes differ)\n", bad ? "mismatch" : "match", bad,
	       COPY_SIZE * COPY_SIZE * 4);
	vkUnmapMemory(dev, mem);

	CHECK("vkDeviceWaitIdle", vkDeviceWaitIdle(dev));
	vkDestroyCommandPool(dev, pool, NULL);
	vkDestroyBuffer(dev, buf, NULL);
	vkFreeMemory(dev, mem, NULL);
	vkDestroyImage(dev, img, NULL);
	vkFreeMemory(dev, imem, NULL);
	vkDestroyDevice(dev, NULL);
	vkDestroyInstance(inst, NULL);
	printf("total_ms=%.1f\n", now_ms() - t0);
	free(icd_owned);
	printf("result=ok\n");
	if (check && (!fill_ok || bad)) {
		fprintf(stderr, "vk_client: the GPU's results are wrong (fill %s, clear %s)\n",
			fill_ok ? "match" : "mismatch", bad ? "mismatch" : "match");
		return 4;
	}
	return 0;
}
