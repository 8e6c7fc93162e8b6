/*
 * frame.c - wire checks and stream I/O.
 *
 * The checks are pure functions of the bytes so fuzz targets can drive them
 * directly.  Every length is checked before anything is allocated.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mt_priv.h"

#define MT_READ_BUF (64 * 1024)

int
mt_frame_check(const struct mt_frame_hdr *hdr, enum mt_side receiver)
{
   if (hdr->flags)
      return -EPROTO;

   switch (hdr->type) {
   case MT_HELLO:
      if (receiver != MT_SIDE_HOST)
         return -EPROTO;
      if (hdr->len < sizeof(struct mt_hello) ||
          hdr->len > sizeof(struct mt_hello) + MT_MAX_HELLO)
         return -EMSGSIZE;
      return 0;
   case MT_CALL:
   case MT_SEND:
      if (receiver != MT_SIDE_HOST)
         return -EPROTO;
      break;
   case MT_REPLY:
   case MT_EVENT:
      if (receiver != MT_SIDE_GUEST)
         return -EPROTO;
      break;
   default:
      return -EPROTO;
   }
   return hdr->len > MT_MAX_PAYLOAD ? -EMSGSIZE : 0;
}

int
mt_hello_parse(const void *payload, uint32_t len, const char **proto,
               uint32_t *delay_ns, const void **extra, uint32_t *extra_len)
{
   const struct mt_hello *h = payload;
   struct mt_hello copy;

   if (len < sizeof(*h) || len > sizeof(*h) + MT_MAX_HELLO)
      return -EPROTO;
   /* The payload may sit anywhere in a stream buffer: no alignment. */
   memcpy(&copy, payload, sizeof(copy));
   if (copy.magic != MT_MAGIC || copy.version != MT_VERSION || copy.flags)
      return -EPROTO;
   if (!memchr(copy.proto, 0, sizeof(copy.proto)) || !copy.proto[0])
      return -EPROTO;

   *proto = h->proto; /* chars: any alignment */
   /* A hostile guest must not park its host thread for long. */
   *delay_ns = copy.delay_ns;
   if (*delay_ns > MT_MAX_RTT_US * 1000ull / 2)
      *delay_ns = MT_MAX_RTT_US * 1000ull / 2;
   *extra = (const uint8_t *)payload + sizeof(*h);
   *extra_len = len - sizeof(*h);
   return 0;
}

int
mt_reader_init(struct mt_reader *r, int fd, int wake_fd)
{
   memset(r, 0, sizeof(*r));
   r->fd = fd;
   r->wake_fd = wake_fd;
   r->timeout_ms = -1;
   r->got_fd = -1;
   r->cap = MT_READ_BUF;
   r->buf = malloc(r->cap);
   return r->buf ? 0 : -ENOMEM;
}

void
mt_reader_fini(struct mt_reader *r)
{
   if (r->got_fd >= 0)
      close(r->got_fd);
   free(r->buf);
   r->buf = NULL;
}

static int
reader_wait(struct mt_reader *r)
{
   struct pollfd pfd[2] = {
      { .fd = r->fd, .events = POLLIN },
      { .fd = r->wake_fd, .events = POLLIN },
   };
   int n = r->wake_fd >= 0 ? 2 : 1;

   for (;;) {
      int timeout = r->timeout_ms;
      if (r->deadline_ns) {
         uint64_t now = mt_now_ns();
         if (now >= r->deadline_ns)
            return -ETIMEDOUT;
         uint64_t left = (r->deadline_ns - now + 999999) / 1000000;
         if (timeout < 0 || left < (uint64_t)timeout)
            timeout = left > INT32_MAX ? INT32_MAX : (int)left;
      }
      int ret = poll(pfd, n, timeout);
      if (ret < 0 && errno == EINTR)
         continue;
      if (ret < 0)
         return -errno;
      if (ret == 0)
         return -ETIMEDOUT;
      if (n == 2 && pfd[1].revents)
         return -ECANCELED;
      return 0;
   }
}

static ssize_t
reader_recv_fd(struct mt_reader *r, void *dst, size_t n)
{
   union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int) * 4)];
   } ctl;
   struct iovec iov = { .iov_base = dst, .iov_len = n };
   struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1,
      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
   };
   ssize_t ret = recvmsg(r->fd, &msg, MSG_CMSG_CLOEXEC);
   if (ret < 0)
      return ret;

   for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
         continue;
      unsigned nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int fds[4];
      memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
      /* Keep the first; a peer sending more only loses them. */
      for (unsigned i = 0; i < nfd; i++) {
         if (r->got_fd < 0)
            r->got_fd = fds[i];
         else
            close(fds[i]);
      }
   }
   return ret;
}

static int
reader_fill(struct mt_reader *r)
{
   if (r->head == r->tail)
      r->head = r->tail = 0;

   for (;;) {
      if (r->timeout_ms >= 0 || r->wake_fd >= 0 || r->deadline_ns) {
         int ret = reader_wait(r);
         if (ret)
            return ret;
      }
      ssize_t got = r->want_fd
         ? reader_recv_fd(r, r->buf + r->tail, r->cap - r->tail)
         : read(r->fd, r->buf + r->tail, r->cap - r->tail);
      if (got > 0) {
         r->tail += got;
         return 0;
      }
      if (got == 0)
         return -ECONNRESET;
      if (errno == EINTR || errno == EAGAIN)
         continue;
      /* A pty reports a hung-up peer as EIO. */
      return errno == EIO ? -ECONNRESET : -errno;
   }
}

int
mt_reader_wait_data(struct mt_reader *r)
{
   return r->head == r->tail ? reader_fill(r) : 0;
}

int
mt_reader_get(struct mt_reader *r, void *dst, size_t n)
{
   uint8_t *out = dst;

   while (n) {
      if (r->head == r->tail) {
         int ret = reader_fill(r);
         if (ret)
            return ret;
      }
      size_t c = r->tail - r->head;
      if (c > n)
         c = n;
      if (out) {
         memcpy(out, r->buf + r->head, c);
         out += c;
      }
      r->head += c;
      r->bytes += c;
      n -= c;
   }
   return 0;
}

int
mt_reader_hdr(struct mt_reader *r, struct mt_frame_hdr *hdr,
              enum mt_side receiver)
{
   int ret = mt_reader_get(r, hdr, sizeof(*hdr));
   if (ret)
      return ret;
   return mt_frame_check(hdr, receiver);
}

int64_t
mt_iov_len(const struct iovec *iov, int iovcnt, uint64_t max)
{
   uint64_t total = 0;

   if (iovcnt < 0 || (iovcnt && !iov))
      return -EINVAL;
   for (int i = 0; i < iovcnt; i++) {
      if (iov[i].iov_len && !iov[i].iov_base)
         return -EFAULT;
      if (iov[i].iov_len > max || total + iov[i].iov_len > max)
         return -EMSGSIZE;
      total += iov[i].iov_len;
   }
   return total;
}

int
mt_write_all(int fd, bool is_sock, struct iovec *iov, int iovcnt, int pass_fd)
{
   union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
   } ctl;

   while (iovcnt > 0) {
      ssize_t n;

      if (is_sock) {
         struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovcnt };
         if (pass_fd >= 0) {
            memset(&ctl, 0, sizeof(ctl));
            msg.msg_control = ctl.buf;
            msg.msg_controllen = sizeof(ctl.buf);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
         }
         n = sendmsg(fd, &msg, MSG_NOSIGNAL);
      } else {
         n = writev(fd, iov, iovcnt);
      }
      if (n < 0) {
         if (errno == EINTR)
            continue;
         if (errno == EAGAIN) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            poll(&pfd, 1, -1);
            continue;
         }
         return errno == EIO ? -EPIPE : -errno;
      }
      pass_fd = -1; /* it went with the first byte */

      while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
         n -= iov->iov_len;
         iov++;
         iovcnt--;
      }
      if (iovcnt > 0) {
         iov->iov_base = (uint8_t *)iov->iov_base + n;
         iov->iov_len -= n;
      }
   }
   return 0;
}

void
mt_log(const char *fmt, ...)
{
   va_list ap;

   va_start(ap, fmt);
   fputs("msmvirt-transport: ", stderr);
   vfprintf(stderr, fmt, ap);
   fputc('\n', stderr);
   va_end(ap);
}
